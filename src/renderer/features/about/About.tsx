// About Featurescope: the version, where it runs, what the bundled data is and its licences. Opened from
// the status bar in both shells (Electron's Help ▸ About shows the native panel with the same version).
import { useEffect, useState } from 'react';
import { APP_NAME, APP_VERSION } from '../../../shared/version';
import { api } from '../../api';
import { useAtomValue } from '../../state/store';
import { engineStatusAtom } from '../engine/atoms';
import './about.css';

export function AboutButton() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button className="link-button" data-testid="about-open" onClick={() => setOpen(true)}>
        About
      </button>
      {open && <AboutPanel onClose={() => setOpen(false)} />}
    </>
  );
}

function AboutPanel({ onClose }: { onClose(): void }) {
  const status = useAtomValue(engineStatusAtom);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div className="about-backdrop" onClick={onClose}>
      <div className="about-panel" role="dialog" aria-label={`About ${APP_NAME}`} data-testid="about-panel" onClick={(e) => e.stopPropagation()}>
        <h2>{APP_NAME}</h2>
        <div data-testid="about-version">Version {APP_VERSION}</div>
        <p className="muted small">See inside image neural networks: feature visualization, DeepDream, style transfer and attribution for any ONNX model, offline.</p>
        <dl className="about-facts small">
          <dt>Running as</dt>
          <dd>{api.mode === 'browser' ? 'browser mode (local server)' : 'desktop app'}</dd>
          <dt>Engine</dt>
          <dd>onnxruntime on {status ? status.active.toUpperCase() : '…'}</dd>
          <dt>Licence</dt>
          <dd>MIT</dd>
          <dt>Built-in model</dt>
          <dd>Keras InceptionV3 ImageNet weights (from the nsfwjs package, MIT)</dd>
          <dt>Class names</dt>
          <dd>ImageNet-1000 from WordNet 3.0 © 2006 Princeton University (WordNet licence)</dd>
        </dl>
        <button className="button small" data-testid="about-close" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
