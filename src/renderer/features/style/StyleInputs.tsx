// The pictures a style job reads: the content photo (the sidebar's, or another project photo) and the style
// images with their blend weights (project photos, or photos added from here); which ones a mode uses.
import type { PhotoRecord, ProjectState } from '../../../shared/contract';
import { FileButton } from '../../components/FileButton';
import { useAtom } from '../../state/store';
import { PhotoThumb } from '../photos/PhotosPanel';
import { styleFormAtom } from './atoms';
import { addStyleImages, addStylePhotos, pickStylePhoto } from './service';

const sizeOf = (p: PhotoRecord) => `${p.width}×${p.height}`;

export function ContentPicker({ project, photo }: { project: ProjectState; photo: PhotoRecord | undefined }) {
  const [form, setForm] = useAtom(styleFormAtom);
  const content = project.photos.find((p) => p.id === form.contentPhotoId) ?? photo;
  if (form.mode === 'texture') {
    return (
      <div className="style-picture-block">
        <h3>Content</h3>
        <div className="muted small style-note">Texture synthesis matches the style images' Gram matrices only, starting from {form.init === 'style' ? 'the first style image' : 'noise'}: no content photo.</div>
      </div>
    );
  }
  return (
    <div className="style-picture-block">
      <h3>Content photo</h3>
      <div className="style-content">
        <div className="style-thumb">{content ? <PhotoThumb photo={content} size={128} /> : <div className="thumb-placeholder">none</div>}</div>
        <label className="field">
          <select data-testid="style-content" value={content && content.id === form.contentPhotoId ? form.contentPhotoId : ''} onChange={(e) => setForm({ ...form, contentPhotoId: e.target.value })}>
            <option value="">{photo ? `the selected photo (${photo.name})` : 'the selected photo (none yet)'}</option>
            {project.photos.map((p) => (
              <option key={p.id} value={p.id}>{p.name} · {sizeOf(p)}</option>
            ))}
          </select>
          {content && <span className="small muted">{content.name} · {sizeOf(content)}</span>}
        </label>
      </div>
    </div>
  );
}

export function StyleImagesPicker({ project }: { project: ProjectState }) {
  const [form, setForm] = useAtom(styleFormAtom);
  if (form.mode === 'inversion') {
    return (
      <div className="style-picture-block">
        <h3>Style images</h3>
        <div className="muted small style-note">Feature inversion reconstructs the photo from one layer's activations alone: no style image.</div>
      </div>
    );
  }
  const byId = new Map(project.photos.map((p) => [p.id, p]));
  const unused = project.photos.filter((p) => !form.styles.some((s) => s.photoId === p.id));
  const total = form.styles.reduce((a, s) => a + (Number(s.weight) > 0 ? Number(s.weight) : 0), 0);
  const setWeight = (i: number, weight: string) => setForm({ ...form, styles: form.styles.map((s, k) => (k === i ? { ...s, weight } : s)) });
  const remove = (i: number) => setForm({ ...form, styles: form.styles.filter((_, k) => k !== i) });
  return (
    <div className="style-picture-block">
      <h3>Style images {form.styles.length > 1 && <span className="muted small">· blended by weight</span>}</h3>
      <div className="style-images" data-testid="style-images">
        {form.styles.map((s, i) => {
          const p = byId.get(s.photoId);
          const share = total > 0 && Number(s.weight) > 0 ? Math.round((100 * Number(s.weight)) / total) : undefined;
          return (
            <div key={s.photoId} className="style-image" data-testid="style-image" data-photo={p?.name ?? s.photoId}>
              <div className="style-thumb small">{p ? <PhotoThumb photo={p} size={128} /> : <div className="thumb-placeholder">removed</div>}</div>
              <div className="style-image-meta">
                <span className="small" title={p?.name}>{p?.name ?? 'a photo no longer in the project'}</span>
                <label className="small muted style-weight" title="blend weight; the weights are normalized to sum 1 (neural-style's -style_blend_weights)">
                  weight <input className="mono" data-testid={`style-weight-${i}`} value={s.weight} onChange={(e) => setWeight(i, e.target.value)} />
                  {form.styles.length > 1 && share !== undefined && <span>{share}%</span>}
                </label>
              </div>
              <button className="icon-button" title={`Remove ${p?.name ?? 'this style image'}`} data-testid={`style-remove-${i}`} onClick={() => remove(i)}>×</button>
            </div>
          );
        })}
        {form.styles.length === 0 && <div className="muted small style-note">No style image yet: pick a project photo or add one.</div>}
      </div>
      <div className="row style-add">
        <select data-testid="style-add" value="" disabled={unused.length === 0} onChange={(e) => e.target.value && addStyleImages([e.target.value])}>
          <option value="">{unused.length ? 'add a project photo…' : 'every project photo is in'}</option>
          {unused.map((p) => (
            <option key={p.id} value={p.id}>{p.name} · {sizeOf(p)}</option>
          ))}
        </select>
        <FileButton
          label="Add photos…"
          accept=".jpg,.jpeg,.png,.webp,image/jpeg,image/png,image/webp"
          multiple
          testId="style-add-photo"
          className="button small"
          onNative={pickStylePhoto}
          onFiles={(files) => void addStylePhotos(files)}
        />
      </div>
    </div>
  );
}
