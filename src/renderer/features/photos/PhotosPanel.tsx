import { useEffect } from 'react';
import type { PhotoRecord } from '../../../shared/contract';
import { FileButton } from '../../components/FileButton';
import { selectPhoto } from '../../state/selection';
import { useAtomValue } from '../../state/store';
import { Banners } from '../notices/Banners';
import { removeText } from '../../components/format';
import { projectAtom } from '../project/atoms';
import { addingPhotosAtom, selectedPhotoIdAtom, thumbnailsAtom } from './atoms';
import { addPhotoFiles, loadThumbnail, pickAndAddPhoto, removePhoto } from './service';

export function PhotoThumb({ photo, size = 256 }: { photo: PhotoRecord; size?: number }) {
  const thumbs = useAtomValue(thumbnailsAtom);
  const src = thumbs[`${photo.id}@${size}`];
  useEffect(() => void loadThumbnail(photo.id, size), [photo.id, size]);
  return src ? <img src={src} alt={photo.name} draggable={false} /> : <div className="thumb-placeholder">{photo.name}</div>;
}

export function PhotosPanel() {
  const project = useAtomValue(projectAtom);
  const selected = useAtomValue(selectedPhotoIdAtom);
  const adding = useAtomValue(addingPhotosAtom);
  const photos = project?.photos ?? [];
  return (
    <section className="panel" data-testid="photos-panel">
      <header className="panel-header">
        <h2>Photos</h2>
        <FileButton
          label={adding ? `Adding ${adding}…` : 'Add photos'}
          accept=".jpg,.jpeg,.png,.webp,image/jpeg,image/png,image/webp"
          multiple
          testId="add-photo"
          className="button small"
          onNative={pickAndAddPhoto}
          onFiles={(files) => void addPhotoFiles(files)}
        />
      </header>
      <Banners area="photos" />
      {photos.length === 0 ? (
        <div className="empty">Drop JPEG, PNG or WebP photos here, or use Add photos.</div>
      ) : (
        <div className="thumb-grid" data-testid="photo-list">
          {photos.map((p) => (
            <div key={p.id} className={`thumb ${p.id === selected ? 'selected' : ''}`} title={`${p.name} · ${p.width}×${p.height}`}>
              <button className="thumb-button" data-photo={p.name} onClick={() => selectPhoto(p.id)}>
                <PhotoThumb photo={p} />
                <span className="thumb-name">{p.name}</span>
              </button>
              <button className="icon-button thumb-remove" title={`Remove ${p.name}`} onClick={() => confirm(removeText(p.name, project?.runs.filter((r) => r.photoId === p.id).length ?? 0)) && void removePhoto(p.id)}>
                ×
              </button>
            </div>
          ))}
        </div>
      )}
    </section>
  );
}
