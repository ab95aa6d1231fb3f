import { useEffect, useState } from 'react';
import { StartScreen } from '../features/project/StartScreen';
import { ProjectScreen } from '../features/project/ProjectScreen';
import { projectAtom } from '../features/project/atoms';
import { StatusBar } from '../features/engine/StatusBar';
import { addModelFiles, MODEL_FILES } from '../features/models/service';
import { addPhotoFiles, PHOTO_TYPES } from '../features/photos/service';
import { report } from '../features/notices/service';
import { useAtomValue } from '../state/store';

/** Files dropped anywhere on the window: .onnx (or a TF.js model.json with its .bin shards) → models, images → photos. */
function useWindowDrop(enabled: boolean): boolean {
  const [over, setOver] = useState(false);
  useEffect(() => {
    let depth = 0;
    const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth++;
      if (enabled) setOver(true);
    };
    const leave = () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) setOver(false);
    };
    const overFn = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = enabled ? 'copy' : 'none';
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setOver(false);
      if (!enabled) return;
      const files = Array.from(e.dataTransfer?.files ?? []);
      const photos = files.filter((f) => PHOTO_TYPES.test(f.name));
      const models = files.filter((f) => MODEL_FILES.test(f.name));
      if (models.length) void addModelFiles(models);
      if (photos.length) void addPhotoFiles(photos);
      const other = files.filter((f) => !MODEL_FILES.test(f.name) && !PHOTO_TYPES.test(f.name));
      if (other.length) report('project', `Not added: ${other.map((f) => f.name).join(', ')} (drop .onnx models, a TF.js model.json with its .bin files, or JPEG/PNG/WebP photos)`);
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragleave', leave);
    window.addEventListener('dragover', overFn);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('dragover', overFn);
      window.removeEventListener('drop', drop);
    };
  }, [enabled]);
  return over;
}

export function App() {
  const project = useAtomValue(projectAtom);
  const dragging = useWindowDrop(project !== null);
  useEffect(() => {
    document.title = project ? `${project.name} — Featurescope` : 'Featurescope';
  }, [project?.name]);
  return (
    <div className="app">
      {project ? <ProjectScreen project={project} /> : <StartScreen />}
      <StatusBar />
      {dragging && (
        <div className="drop-overlay">
          <div>Drop .onnx models (or model.json with its .bin files) or photos to add them to {project?.name}</div>
        </div>
      )}
    </div>
  );
}
