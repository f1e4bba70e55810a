// Evaluation metrics for UFO Web: REC/RES, COCO box and mask AP, semantic mIoU. Framework-free.

export { type Box, boxArea, boxIou, cocoBoxIou, type XywhBox } from './box-iou';
export {
  type CocoAnnotation,
  type CocoCategory,
  type CocoCategoryAp,
  type CocoDataset,
  type CocoEvalResult,
  type CocoImage,
  type CocoPolygons,
  type CocoResult,
  type CocoStats,
  COCO_STAT_NAMES,
  type IouType,
} from './coco-types';
export { cocoEvaluate } from './coco-eval';
export {
  AREA_RANGE_NAMES,
  AREA_RANGES,
  type AreaRangeName,
  evaluateImage,
  type ImageEval,
  IOU_THRESHOLDS,
  MAX_DETS,
  type MatchDt,
  type MatchGt,
  RECALL_THRESHOLDS,
} from './coco-match';
export {
  maskIntersectionUnion,
  recMetrics,
  type RecMetrics,
  type RecSample,
  resMetrics,
  type ResMetrics,
  type ResSample,
} from './refer-metrics';
export * as rle from './rle';
export type { CocoRle, Rle } from './rle';
export { ConfusionMatrix, type LabelMap, semanticMetrics, type SemanticMetrics } from './semantic-metrics';
