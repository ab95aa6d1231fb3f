// One attribution map drawn over its photo: the map is coloured with the engine's own colormap code
// (same scaling as the exported PNG), scaled to the photo with smoothing, and composited on a canvas, so
// the opacity slider, sign mode and colormap redraw at once without asking the engine.
import { useEffect, useRef, useState } from 'react';
import type { RunOf } from '../../../shared/contract';
import { colorAt, defaultColormap, type ColormapName, type SignMode } from '../../../shared/colormap';
import { useAtomValue } from '../../state/store';
import { mapsAtom, photosAtom, type DisplayOptions } from './atoms';
import { mapPixels, toGrey } from './draw';
import { loadMap, loadPhoto } from './service';

type AttributionRun = RunOf<'attribution'>;

/** 'auto' shows the map the way the engine stored it (the method's own sign mode). */
export function runSignMode(run: AttributionRun, d: DisplayOptions): SignMode {
  return d.signMode !== 'auto' ? d.signMode : run.result.signMode;
}

export function runColormap(mode: SignMode, d: DisplayOptions): ColormapName {
  return d.colormap !== 'auto' ? d.colormap : defaultColormap(mode);
}

export function Legend({ mode, colormap, scale, clip }: { mode: SignMode; colormap: ColormapName; scale: number; clip: number }) {
  const stops = Array.from({ length: 9 }, (_, i) => {
    const [r, g, b] = colorAt(colormap, i / 8);
    return `rgb(${r},${g},${b}) ${(i / 8) * 100}%`;
  }).join(', ');
  const fmt = (v: number) => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(2) : v.toPrecision(3));
  return (
    <div className="attr-legend" data-testid="attr-legend" data-mode={mode} data-colormap={colormap} style={{ width: '100%', marginTop: 4 }}>
      <div style={{ height: 10, borderRadius: 3, background: `linear-gradient(to right, ${stops})` }} />
      <div className="row small mono" style={{ justifyContent: 'space-between', display: 'flex' }}>
        <span>{mode === 'all' ? fmt(-scale) : '0'}</span>
        <span className="muted">{mode}{clip > 0 ? ` · top ${clip}% clipped` : ''}</span>
        <span>{(mode === 'negative' ? '−' : '') + fmt(scale)}</span>
      </div>
    </div>
  );
}

/** `fill`: take the width of the parent (a comparison grid cell) instead of the canvas's own size. */
/** `large`: as big as the pane allows (width and 66% of the window's height), aspect kept. */
export function AttributionCanvas({ run, display, maxWidth = 640, caption, fill, large }: { run: AttributionRun; display: DisplayOptions; maxWidth?: number; caption?: string; fill?: boolean; large?: boolean }) {
  const maps = useAtomValue(mapsAtom);
  const photos = useAtomValue(photosAtom);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [scale, setScale] = useState(0);
  const [drawn, setDrawn] = useState(0);
  const map = maps[run.id];
  const photoSrc = run.photoId ? photos[run.photoId] : undefined;
  const mode = runSignMode(run, display);
  const cmap = runColormap(mode, display);

  useEffect(() => {
    void loadMap(run.id);
    if (run.photoId) void loadPhoto(run.photoId);
  }, [run.id, run.photoId]);

  useEffect(() => {
    if (!map || !photoSrc || !canvas.current) return;
    let live = true;
    const img = new Image();
    img.onload = () => {
      const c = canvas.current;
      if (!live || !c) return;
      const k = Math.min(1, maxWidth / img.naturalWidth);
      c.width = Math.round(img.naturalWidth * k);
      c.height = Math.round(img.naturalHeight * k);
      const ctx = c.getContext('2d')!;
      if (display.view === 'map') {
        ctx.fillStyle = '#000';
        ctx.fillRect(0, 0, c.width, c.height);
      } else {
        ctx.drawImage(img, 0, 0, c.width, c.height);
        if (display.view === 'blend') {
          const photo = ctx.getImageData(0, 0, c.width, c.height);
          toGrey(photo.data);
          ctx.putImageData(photo, 0, 0);
        }
      }
      const { rgba, scale: s } = mapPixels(map.data, mode, cmap, display.view, display.opacity, display.clip);
      const heat = document.createElement('canvas');
      heat.width = map.width;
      heat.height = map.height;
      heat.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(rgba), map.width, map.height), 0, 0);
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = 'high';
      ctx.drawImage(heat, 0, 0, c.width, c.height);
      setScale(s);
      setDrawn((n) => n + 1);
    };
    img.src = photoSrc;
    return () => { live = false; };
  }, [map, photoSrc, mode, cmap, display.opacity, display.view, display.clip, maxWidth]);

  const r = run.result;
  return (
    <figure className="attr-figure" data-testid="attr-figure" data-run-id={run.id} style={{ margin: 0, maxWidth: fill || large ? undefined : maxWidth, minWidth: 0 }}>
      <canvas ref={canvas} data-testid="attr-canvas" data-drawn={drawn} data-opacity={display.opacity} data-mode={mode} data-view={display.view} data-clip={display.clip} data-colormap={cmap} data-scale={scale} data-caption={`${caption ?? r.method}${r.layer ? ` @ ${r.layer}` : ''} · ${r.targetText}`} style={large ? { width: '100%', height: '66vh', objectFit: 'contain', display: 'block' } : { maxWidth: '100%', width: fill ? '100%' : undefined, display: 'block', borderRadius: 4 }} />
      {!map || !photoSrc ? <div className="empty">Loading…</div> : <Legend mode={mode} colormap={cmap} scale={scale} clip={display.clip} />}
      <figcaption className="small">
        <strong>{caption ?? r.method}</strong>
        {r.layer ? <span className="muted"> @ {r.layer}</span> : null}
        <div className="muted">
          {r.targetText} · score {r.targetScore.toPrecision(4)}
          {` · ${(r.timings.totalMs / 1000).toFixed(2)} s`}
        </div>
        {r.completeness && (
          <div data-testid="attr-completeness" className="mono">completeness error {(100 * r.completeness.relativeError).toFixed(2)}%</div>
        )}
      </figcaption>
    </figure>
  );
}
