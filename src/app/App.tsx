import { AnswerText } from './components/AnswerText';
import { DropOverlay } from './components/DropOverlay';
import { ExportBar } from './components/ExportBar';
import { ExpressionForm } from './components/ExpressionForm';
import { FilePicker } from './components/FilePicker';
import { Gallery } from './components/Gallery';
import { MessageBanner } from './components/MessageBanner';
import { ModeTabs } from './components/ModeTabs';
import { ModelPanel } from './components/ModelPanel';
import { ResultList } from './components/ResultList';
import { ResultSettings } from './components/ResultSettings';
import { RunControls } from './components/RunControls';
import { Stage } from './components/Stage';
import { useAppStore } from './store/store';

/** The page: image and results in the middle, the question on one side, the model on the other. */
export function App() {
  const mode = useAppStore((s) => s.prompt.mode);
  return (
    <div className="app">
      <header className="top">
        <h1>UFO Web</h1>
        <p className="tagline">Detection and segmentation from text, in your browser. Nothing leaves this page.</p>
      </header>
      <MessageBanner />
      <main className="layout">
        <section className="workspace" aria-label="Image and results">
          <div className="toolbar">
            <FilePicker />
            <ExportBar />
          </div>
          <Stage />
          <Gallery />
        </section>
        <section className="panel ask" aria-label="Ask the model">
          <ModeTabs />
          {mode === 'refer' && <ExpressionForm />}
          <RunControls />
          <AnswerText />
          <ResultSettings />
          <ResultList />
        </section>
        <ModelPanel />
      </main>
      <DropOverlay />
    </div>
  );
}
