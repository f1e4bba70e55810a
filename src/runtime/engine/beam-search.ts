/**
 * Beam search for captions (spec §7): per step log_softmax(logits / T) plus the running score,
 * the best 2 x beams continuations, [SEP] among the first `beams` closes a hypothesis scored
 * sum_logp / len^alpha (the hypothesis keeps its leading [CLS]), and the search stops when the
 * best running score cannot beat the worst kept hypothesis. The decoder graph returns each beam's
 * top-K continuations, which hold the global top 2 x beams.
 */
import { throwIfAborted } from '../errors';
import { releaseCache, type StepFn } from './decode';
import type { Tensor } from './ort';
import { release } from './tensors';

export interface BeamOptions {
  beams: number;
  start: number;
  end: number;
  maxLength: number;
  lengthPenalty: number;
  signal?: AbortSignal;
}

interface Candidate {
  beam: number;
  token: number;
  score: number;
}

export async function beamSearch(step: StepFn, prefix: Tensor[], o: BeamOptions): Promise<number[]> {
  let seqs: number[][] = Array.from({ length: o.beams }, () => [o.start]);
  let running: number[] = seqs.map((_, i) => (i === 0 ? 0 : -1e9));
  let rows = seqs.map(() => 0); // every beam starts from the single image prefix row
  const finished: { score: number; hyp: number[] }[] = [];
  const add = (score: number, hyp: number[]): void => {
    finished.push({ score, hyp });
    finished.sort((a, b) => b.score - a.score);
    finished.length = Math.min(finished.length, o.beams);
  };
  let past = prefix;
  try {
    for (let s = 0; s < o.maxLength; s++) {
      throwIfAborted(o.signal, 'Captioning');
      const out = await step(seqs.map((q) => q[q.length - 1]!), s, past, rows);
      releaseCache(past, prefix);
      past = out.present;
      release(out.hidden);
      const k = out.topkIds.length / seqs.length;
      const cands: Candidate[] = [];
      for (let b = 0; b < seqs.length; b++) {
        for (let j = 0; j < k; j++) {
          cands.push({ beam: b, token: out.topkIds[b * k + j]!, score: out.topkLogp[b * k + j]! + running[b]! });
        }
      }
      cands.sort((a, b) => b.score - a.score);
      const top = cands.slice(0, 2 * o.beams);
      const next: Candidate[] = [];
      let done = false;
      for (let rank = 0; rank < top.length; rank++) {
        const c = top[rank]!;
        if (c.token === o.end) {
          if (rank < o.beams) add(c.score / seqs[c.beam]!.length ** o.lengthPenalty, seqs[c.beam]!);
        } else {
          next.push(c);
        }
        if (next.length === o.beams) break;
        if (finished.length >= o.beams) {
          // cur_len: the sequence length so far, [CLS] included.
          const best = top[0]!.score / (s + 1) ** o.lengthPenalty;
          if (best <= finished[finished.length - 1]!.score) {
            done = true;
            break;
          }
        }
      }
      if (done || next.length < o.beams) return best(finished, seqs);
      seqs = next.map((c) => [...seqs[c.beam]!, c.token]);
      running = next.map((c) => c.score);
      rows = next.map((c) => c.beam);
    }
    seqs.forEach((q, i) => add(running[i]! / q.length ** o.lengthPenalty, q));
    return best(finished, seqs);
  } finally {
    releaseCache(past, prefix);
  }
}

function best(finished: { score: number; hyp: number[] }[], seqs: number[][]): number[] {
  const hyp = finished.length > 0 ? finished[0]!.hyp : seqs[0]!;
  return hyp.slice(1); // without [CLS]
}
