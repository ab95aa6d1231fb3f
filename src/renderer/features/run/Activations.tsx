// An activations run: every channel of the layer as tiles, paged (64 a page, strongest first), each cut
// from the one grid picture the engine stored. A tile opens the channel large, laid over the photo where
// the model saw it, with "Dream this channel" and "Visualize this channel".
import { useEffect, useRef, useState } from 'react';
import type { PhotoRecord, RunOf } from '../../../shared/contract';
import { selectLayer, selectTab } from '../../state/selection';
import { useAtomValue } from '../../state/store';
import { dreamChannel } from '../dream/service';
import { openUnit } from '../featurevis/navigation';
import { loadThumbnail } from '../photos/service';
import { thumbnailsAtom } from '../photos/atoms';
import { artifactsAtom } from './atoms';
import { loadArtifact } from './service';
import { cellRect, inputRegion, PAGE_SIZE, pageRange, valueOfViridis, type GridGeometry } from './tiles';
import './run.css';

type ActivationsRun = RunOf<'activations'>;
type Channel = ActivationsRun['result']['channels'][number];

const TILE = 96;

/** One cell of the grid picture as a CSS background crop, `size` px wide. */
function Crop({ src, grid, index, size }: { src: string; grid: ActivationsRun['result']['grid']; index: number; size: number }) {
  const r = cellRect(grid, index);
  const k = size / r.width;
  return (
    <span
      className="act-crop"
      style={{
        width: size, height: Math.round(r.height * k),
        backgroundImage: `url(${src})`,
        backgroundSize: `${grid.width * k}px ${grid.height * k}px`,
        backgroundPosition: `${-r.x * k}px ${-r.y * k}px`,
      }}
    />
  );
}

/**
 * The cell with an alpha that grows with the activation, so weak positions leave the photo visible. The
 * engine's viridis grows monotonically in luma (dark purple → yellow), which gives the value back.
 */
function fadedCell(grid: HTMLImageElement, cell: { x: number; y: number; width: number; height: number }, opacity: number): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = cell.width;
  c.height = cell.height;
  const ctx = c.getContext('2d')!;
  ctx.drawImage(grid, cell.x, cell.y, cell.width, cell.height, 0, 0, cell.width, cell.height);
  const px = ctx.getImageData(0, 0, c.width, c.height);
  for (let i = 0; i < px.data.length; i += 4) px.data[i + 3] = Math.round(255 * opacity * valueOfViridis(px.data[i]!, px.data[i + 1]!, px.data[i + 2]!));
  ctx.putImageData(px, 0, 0);
  return c;
}

/** The channel over the photo: the photo, then the cell scaled onto the part the model saw. */
function Overlay({ src, grid, index, photo, run, opacity }: { src: string; grid: GridGeometry; index: number; photo: PhotoRecord | undefined; run: ActivationsRun; opacity: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const thumbs = useAtomValue(thumbnailsAtom);
  const photoSrc = photo ? thumbs[`${photo.id}@768`] : undefined;
  const [drawn, setDrawn] = useState(0);
  useEffect(() => {
    if (photo) void loadThumbnail(photo.id, 768);
  }, [photo?.id]);
  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    let live = true;
    const grid_ = new Image();
    const ph = new Image();
    const cell = cellRect(grid, index);
    const draw = () => {
      if (!live) return;
      const ctx = c.getContext('2d')!;
      if (photo && photoSrc && ph.complete && ph.naturalWidth) {
        c.width = ph.naturalWidth;
        c.height = ph.naturalHeight;
        ctx.drawImage(ph, 0, 0);
        const k = ph.naturalWidth / photo.width;
        const p = run.settings.preprocess;
        const reg = inputRegion(photo, { width: p.width, height: p.height }, p.resize);
        ctx.imageSmoothingEnabled = true;
        ctx.imageSmoothingQuality = 'high';
        ctx.drawImage(fadedCell(grid_, cell, opacity), reg.x * k, reg.y * k, reg.width * k, reg.height * k);
      } else {
        // no photo (removed): the map alone, enlarged
        c.width = 512;
        c.height = Math.round((512 * cell.height) / cell.width);
        ctx.imageSmoothingEnabled = false;
        ctx.drawImage(grid_, cell.x, cell.y, cell.width, cell.height, 0, 0, c.width, c.height);
      }
      setDrawn((n) => n + 1);
    };
    let pending = photo && photoSrc ? 2 : 1;
    const one = () => --pending === 0 && draw();
    grid_.onload = one;
    grid_.src = src;
    if (photo && photoSrc) {
      ph.onload = one;
      ph.src = photoSrc;
    }
    return () => {
      live = false;
    };
  }, [src, index, photoSrc, opacity]);
  return <canvas ref={canvas} className="act-overlay" data-testid="act-overlay" data-drawn={drawn} />;
}

function ChannelView({ run, src, rank, photo, onClose, onStep }: { run: ActivationsRun; src: string; rank: number; photo: PhotoRecord | undefined; onClose: () => void; onStep: (rank: number) => void }) {
  const [opacity, setOpacity] = useState(0.7);
  const c: Channel = run.result.channels[rank]!;
  const n = run.result.channels.length;
  const layer = run.settings.layer;
  useEffect(() => {
    const key = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
      else if (e.key === 'ArrowRight' && rank + 1 < n) onStep(rank + 1);
      else if (e.key === 'ArrowLeft' && rank > 0) onStep(rank - 1);
    };
    window.addEventListener('keydown', key);
    return () => window.removeEventListener('keydown', key);
  }, [rank, n]);
  return (
    <div className="act-modal" data-testid="act-channel-view" data-channel={c.channel} onClick={onClose}>
      <div className="act-modal-body" onClick={(e) => e.stopPropagation()}>
        <div className="act-modal-head">
          <strong className="mono">
            {layer} · channel {c.channel}
          </strong>
          <span className="muted small">
            rank {rank + 1} of {n} · mean {c.mean.toPrecision(3)} · max {c.max.toPrecision(3)}
            {photo ? ` · over ${photo.name}` : ''}
          </span>
          <span className="spacer" />
          <button className="icon-button" title="Close (Esc)" data-testid="act-channel-close" onClick={onClose}>
            ×
          </button>
        </div>
        <Overlay src={src} grid={run.result.grid} index={rank} photo={photo} run={run} opacity={opacity} />
        <div className="row act-modal-actions">
          <button className="button small" disabled={rank === 0} onClick={() => onStep(rank - 1)} title="stronger channel (←)">
            ‹
          </button>
          <button className="button small" disabled={rank + 1 >= n} onClick={() => onStep(rank + 1)} title="weaker channel (→)">
            ›
          </button>
          {photo && (
            <label className="small muted act-opacity">
              map opacity {Math.round(opacity * 100)}%
              <input type="range" min={0} max={1} step={0.05} value={opacity} data-testid="act-opacity" onChange={(e) => setOpacity(Number(e.target.value))} />
            </label>
          )}
          <span className="spacer" />
          <button
            className="button small primary"
            data-testid="act-dream-channel"
            title={`Dream on ${photo?.name ?? 'the selected photo'} maximizing ${layer} channel ${c.channel}`}
            onClick={() => dreamChannel(run.modelId, run.photoId, layer, c.channel)}
          >
            Dream this channel
          </button>
          <button
            className="button small"
            data-testid="act-visualize-channel"
            title="Feature visualization: an image that maximizes this channel, from noise"
            onClick={() => {
              selectLayer(run.modelId, layer);
              openUnit({ modelId: run.modelId, layer, channel: c.channel });
              selectTab('features');
            }}
          >
            Visualize this channel
          </button>
        </div>
      </div>
    </div>
  );
}

export function ActivationsResult({ run, photo }: { run: ActivationsRun; photo: PhotoRecord | undefined }) {
  const artifacts = useAtomValue(artifactsAtom);
  const image = run.artifacts.find((a) => a.mime.startsWith('image/'));
  const [page, setPage] = useState(0);
  const [open, setOpen] = useState<number | null>(null);
  useEffect(() => {
    if (image) void loadArtifact(image.id);
    setPage(0);
    setOpen(null);
  }, [image?.id]);
  const { channels, grid, shape } = run.result;
  const total = Number(shape[1]) || channels.length;
  const src = image ? artifacts[image.id] : undefined;
  const r = pageRange(channels.length, page);
  if (!src) return <div className="empty" data-testid="activations-result">{image ? 'Loading…' : 'No image stored.'}</div>;
  return (
    <div className="act-result" data-testid="activations-result" data-channels={channels.length} data-total={total}>
      <div className="row act-pager">
        <button className="button small" data-testid="act-page-prev" disabled={r.page === 0} onClick={() => setPage(r.page - 1)}>
          ‹ Stronger
        </button>
        <span className="mono small" data-testid="act-page-label">
          channels {r.to > r.from ? r.from + 1 : 0}–{r.to} of {channels.length}
          {channels.length < total ? ` (this run kept the ${channels.length} strongest of ${total}: show activations again for all)` : ''}
        </span>
        <button className="button small" data-testid="act-page-next" disabled={r.page + 1 >= r.pages} onClick={() => setPage(r.page + 1)}>
          Weaker ›
        </button>
        <span className="muted small">page {r.page + 1} of {r.pages} · strongest first (mean activation) · click a tile to open it over the photo</span>
      </div>
      <div className="act-body">
      <div className="act-tiles" data-testid="act-tiles">
        {channels.slice(r.from, r.to).map((c, i) => (
          <button
            key={c.channel}
            className="act-tile"
            data-testid="act-tile"
            data-channel={c.channel}
            title={`channel ${c.channel}: mean ${c.mean.toPrecision(3)}, max ${c.max.toPrecision(3)}`}
            onClick={() => setOpen(r.from + i)}
          >
            <Crop src={src} grid={grid} index={r.from + i} size={TILE} />
            <span className="mono small">{c.channel}</span>
          </button>
        ))}
      </div>
      <div className="activation-grid act-overview" title="every channel at a glance (click one to open it)">
        <img
          src={src}
          alt={`activation maps of ${run.settings.layer}`}
          onClick={(e) => {
            const box = e.currentTarget.getBoundingClientRect();
            const x = ((e.clientX - box.left) / box.width) * grid.width;
            const y = ((e.clientY - box.top) / box.height) * grid.height;
            const k = Math.floor(y / (grid.cell.height + grid.gap)) * grid.cols + Math.floor(x / (grid.cell.width + grid.gap));
            if (k >= 0 && k < channels.length) {
              setOpen(k);
              setPage(Math.floor(k / PAGE_SIZE));
            }
          }}
        />
        <span className="muted small">all {channels.length} channels</span>
      </div>
      </div>
      {open !== null && open < channels.length && (
        <ChannelView run={run} src={src} rank={open} photo={photo} onClose={() => setOpen(null)} onStep={(k) => { setOpen(k); setPage(Math.floor(k / PAGE_SIZE)); }} />
      )}
    </div>
  );
}
