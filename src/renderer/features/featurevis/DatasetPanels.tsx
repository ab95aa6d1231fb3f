// The unit page's dataset panels: what the unit does respond to in the project's own photos. From the
// dataset indexed for this model at this layer (the Dataset tab): the top and bottom examples (the whole
// photo with the position of the maximum marked, and the receptive-field patch there), the histogram of
// the unit's activations over the dataset, the nearest neighbours of a chosen photo in the layer's feature
// space with their similarity, and a 2-D map (UMAP) of the whole dataset with thumbnails, zoom and pan.
import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { LayerInfo, ModelRecord } from '../../../shared/contract';
import type { DatasetEmbeddingPoint, DatasetExample, DatasetHistogram, DatasetInfo } from '../../../shared/dataset';
import { store, useAtomValue } from '../../state/store';
import { chosenPhotoAtom, datasetImagesAtom, datasetsAtom, selectedDatasetIdAtom } from '../dataset/atoms';
import { embedding, examples, histogram, loadPatch, loadThumb, neighbours, patchKey, refreshDatasets, thumbKey } from '../dataset/service';
import { useQuery } from '../dataset/useQuery';
import './unit-panels.css';

const choose = (datasetId: string, photoId: number, path?: string) => store.set(chosenPhotoAtom, { datasetId, photoId, ...(path ? { path } : {}) });

function useThumb(datasetId: string, photoId: number, size: number): string | undefined {
  const src = useAtomValue(datasetImagesAtom)[thumbKey(datasetId, photoId, size)];
  useEffect(() => void loadThumb(datasetId, photoId, size), [datasetId, photoId, size]);
  return src;
}

/** One example: the whole photo (its maximum's position marked, the patch outlined) and the patch. */
function Example({ datasetId, ex, rank, testId }: { datasetId: string; ex: DatasetExample; rank: number; testId: string }) {
  const whole = useThumb(datasetId, ex.photoId, 160);
  const key = patchKey(datasetId, ex.photoId, ex.patchClipped, 96);
  const patch = useAtomValue(datasetImagesAtom)[key];
  useEffect(() => void loadPatch(datasetId, ex.photoId, ex.patchClipped, 96), [key]);
  const s = 120 / Math.max(ex.width, ex.height);
  const name = ex.path.split('/').pop();
  return (
    <figure className="ds-example" data-testid={testId} data-photo-id={ex.photoId} title={`${ex.path}: ${ex.value.toPrecision(4)} at map (${ex.map.x}, ${ex.map.y})`}>
      <button className="ds-whole" style={{ width: ex.width * s, height: ex.height * s }} onClick={() => choose(datasetId, ex.photoId, ex.path)} aria-label={`choose ${name}`}>
        {whole && <img src={whole} alt={ex.path} />}
        <span className="ds-patch-outline" style={{ left: ex.patch.x * s, top: ex.patch.y * s, width: ex.patch.width * s, height: ex.patch.height * s }} />
        <span className="ds-marker" data-testid={`${testId}-marker`} style={{ left: ex.center.x * s, top: ex.center.y * s }} />
      </button>
      <div className="ds-patch">{patch ? <img src={patch} alt={`patch of ${ex.path}`} data-testid={`${testId}-patch`} /> : <div className="empty-image" />}</div>
      <figcaption className="small mono">#{rank + 1} {ex.value.toPrecision(3)} <span className="muted">{name}</span></figcaption>
    </figure>
  );
}

function Examples({ ds, model, layer, channel, bottom }: { ds: DatasetInfo; model: ModelRecord; layer: string; channel: number; bottom: boolean }) {
  const ix = ds.indexes.find((i) => i.modelId === model.id);
  const q = useQuery(`${ds.id}|${model.id}|${layer}|${channel}|${bottom}|${ix?.updatedAt}`, () => examples(ds.id, model.id, layer, channel, bottom, 6));
  const what = bottom ? 'bottom' : 'top';
  return (
    <section className="fv-section" data-testid={`ds-${what}`} data-state={q.data ? 'done' : q.error ? 'error' : 'loading'}>
      <h3>{bottom ? 'Bottom examples' : 'Top examples'} <span className="muted small">of {ds.name}</span></h3>
      <div className="muted small">
        {bottom ? 'the photos where the unit is most negative (its minimum over the map)' : 'the photos where the unit fires most (its maximum over the map)'} — the photo with that position marked and its receptive-field patch; click a photo to find its neighbours
      </div>
      {q.error && <div className="small warn">{q.error}</div>}
      {bottom && q.data && q.data.items.length > 0 && q.data.items.every((ex) => ex.value === 0) && (
        <div className="small muted" data-testid="ds-bottom-ties">every one of these is 0: the layer comes after a ReLU, so its minimum is a tie at 0 and these photos are only some of the tied ones</div>
      )}
      {q.data && (
        <div className="ds-examples">
          {q.data.items.map((ex, i) => <Example key={ex.photoId} datasetId={ds.id} ex={ex} rank={i} testId={`ds-${what}-${i}`} />)}
        </div>
      )}
    </section>
  );
}

function HistogramChart({ h }: { h: DatasetHistogram }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const w = (h.hi - h.lo) / h.counts.length;
    const xs = h.counts.map((_, i) => h.lo + (i + 0.5) * w);
    const axis = { stroke: '#aab', grid: { stroke: 'rgba(255,255,255,0.07)' }, ticks: { stroke: 'rgba(255,255,255,0.15)' } };
    const plot = new uPlot({
      width: 520, height: 200, scales: { x: { time: false }, y: { distr: 3 } }, legend: { show: false },
      series: [{}, { label: 'count', stroke: '#4aa3ff', fill: 'rgba(74,163,255,0.45)', paths: uPlot.paths.bars!({ size: [1, Infinity], gap: 0 }), points: { show: false } }],
      axes: [{ ...axis, label: 'activation' }, { ...axis, label: 'count (log)', size: 64 }],
    }, [xs, h.counts.map((c) => (c > 0 ? c : null))] as unknown as uPlot.AlignedData, el.current);
    return () => plot.destroy();
  }, [h]);
  return <div ref={el} data-testid="ds-histogram-chart" />;
}

function Histogram({ ds, model, layer, channel }: { ds: DatasetInfo; model: ModelRecord; layer: string; channel: number }) {
  const ix = ds.indexes.find((i) => i.modelId === model.id);
  const q = useQuery(`${ds.id}|${model.id}|${layer}|${channel}|${ix?.updatedAt}`, () => histogram(ds.id, model.id, layer, channel));
  return (
    <section className="fv-section" data-testid="ds-histogram" data-state={q.data ? 'done' : 'loading'}>
      <h3>Activations over the dataset</h3>
      {q.error && <div className="small warn">{q.error}</div>}
      {q.data && (
        <>
          <HistogramChart h={q.data} />
          <div className="small muted mono" data-testid="ds-histogram-stats">
            {q.data.count.toLocaleString()} values (photos × positions) · min {q.data.min.toPrecision(3)} · mean {q.data.mean.toPrecision(3)} · max {q.data.max.toPrecision(3)}
          </div>
        </>
      )}
    </section>
  );
}

function Neighbour({ datasetId, photoId, path, similarity, i }: { datasetId: string; photoId: number; path: string; similarity: number; i: number }) {
  const src = useThumb(datasetId, photoId, 128);
  return (
    <figure className="ds-neighbour" data-testid={`ds-neighbour-${i}`} title={path}>
      <button onClick={() => choose(datasetId, photoId, path)} aria-label={`choose ${path}`}>{src ? <img src={src} alt={path} /> : <div className="empty-image" />}</button>
      <figcaption className="small mono">{similarity.toFixed(3)}</figcaption>
    </figure>
  );
}

/** The map: thumbnails at their UMAP positions; wheel zooms about the pointer, drag pans; the chosen photo is ringed. */
function FeatureMap({ ds, points, chosen }: { ds: DatasetInfo; points: DatasetEmbeddingPoint[]; chosen: number | undefined }) {
  const [view, setView] = useState({ k: 1, x: 0, y: 0 });
  const drag = useRef<{ x: number; y: number } | null>(null);
  const box = useRef<HTMLDivElement>(null);
  // a native listener: React's wheel handlers are passive, and the page must not scroll while the map zooms
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = el.getBoundingClientRect();
      const mx = e.clientX - r.left, my = e.clientY - r.top;
      const f = e.deltaY < 0 ? 1.2 : 1 / 1.2;
      setView((v) => { const k = Math.min(20, Math.max(0.5, v.k * f)); const g = k / v.k; return { k, x: mx - (mx - v.x) * g, y: my - (my - v.y) * g }; });
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, []);
  const W = 520, H = 360, T = 36;
  const xs = points.map((p) => p.x), ys = points.map((p) => p.y);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const px = (p: DatasetEmbeddingPoint) => T / 2 + ((p.x - x0) / (x1 - x0 || 1)) * (W - T);
  const py = (p: DatasetEmbeddingPoint) => T / 2 + ((p.y - y0) / (y1 - y0 || 1)) * (H - T);
  return (
    <div
      ref={box} className="ds-map" data-testid="ds-map" style={{ width: W, height: H }}
      onMouseDown={(e) => { drag.current = { x: e.clientX, y: e.clientY }; }}
      onMouseMove={(e) => {
        if (!drag.current) return;
        const dx = e.clientX - drag.current.x, dy = e.clientY - drag.current.y;
        drag.current = { x: e.clientX, y: e.clientY };
        setView((v) => ({ ...v, x: v.x + dx, y: v.y + dy }));
      }}
      onMouseUp={() => { drag.current = null; }} onMouseLeave={() => { drag.current = null; }}
    >
      <div className="ds-map-layer" data-testid="ds-map-layer" style={{ transform: `translate(${view.x}px, ${view.y}px) scale(${view.k})` }}>
        {points.map((p) => (
          <MapThumb key={p.photoId} ds={ds} p={p} left={px(p) - T / 2} top={py(p) - T / 2} size={T} scale={view.k} on={p.photoId === chosen} />
        ))}
      </div>
      <div className="ds-map-help small muted">wheel: zoom · drag: pan · click: choose <button className="link-button" onClick={() => setView({ k: 1, x: 0, y: 0 })}>reset</button></div>
    </div>
  );
}

function MapThumb({ ds, p, left, top, size, scale, on }: { ds: DatasetInfo; p: DatasetEmbeddingPoint; left: number; top: number; size: number; scale: number; on: boolean }) {
  const src = useThumb(ds.id, p.photoId, 64);
  return (
    <button
      className={`ds-map-point ${on ? 'on' : ''}`} data-testid={on ? 'ds-map-chosen' : 'ds-map-point'} title={p.path}
      style={{ left, top, width: size, height: size, borderWidth: (on ? 3 : 1) / scale }}
      onMouseDown={(e) => e.stopPropagation()} onClick={() => choose(ds.id, p.photoId, p.path)}
    >
      {src && <img src={src} alt={p.path} draggable={false} />}
    </button>
  );
}

function FeatureSpace({ ds, model, layer }: { ds: DatasetInfo; model: ModelRecord; layer: string }) {
  const chosenAtom = useAtomValue(chosenPhotoAtom);
  const ix = ds.indexes.find((i) => i.modelId === model.id);
  const map = useQuery(`${ds.id}|${model.id}|${layer}|${ix?.updatedAt}`, () => embedding(ds.id, model.id, layer));
  const chosen = chosenAtom?.datasetId === ds.id ? chosenAtom.photoId : map.data?.[0]?.photoId;
  const near = useQuery(chosen === undefined ? null : `${ds.id}|${model.id}|${layer}|${chosen}|${ix?.updatedAt}`, () => neighbours(ds.id, model.id, layer, chosen!, 8));
  const chosenPath = map.data?.find((p) => p.photoId === chosen)?.path ?? near.data?.[0]?.path;
  return (
    <section className="fv-section" data-testid="ds-feature-space">
      <h3>Feature space of <span className="mono">{layer}</span></h3>
      <div className="muted small">each photo as its spatially pooled activation vector at this layer: the nearest by cosine similarity, and a 2-D UMAP map of all of them</div>
      <div className="ds-space">
        <div className="ds-neighbours" data-testid="ds-neighbours" data-state={near.data ? 'done' : 'loading'}>
          <div className="small">Nearest to <span className="mono" data-testid="ds-chosen">{chosenPath ?? '…'}</span></div>
          {near.error && <div className="small warn">{near.error}</div>}
          <div className="ds-neighbour-grid">
            {near.data?.map((n, i) => <Neighbour key={n.photoId} datasetId={ds.id} photoId={n.photoId} path={n.path} similarity={n.similarity} i={i} />)}
          </div>
        </div>
        <div>
          {map.error && <div className="small warn">{map.error}</div>}
          {map.data ? <FeatureMap ds={ds} points={map.data} chosen={chosen} /> : !map.error && <div className="muted small" data-testid="ds-map-loading">placing {ix?.indexed ?? ''} photos…</div>}
        </div>
      </div>
    </section>
  );
}

/** Every dataset panel of a unit, from the chosen dataset indexed for this model at this layer. */
export function DatasetPanels({ model, layer, channel }: { model: ModelRecord; layer: LayerInfo; channel: number }) {
  const datasets = useAtomValue(datasetsAtom);
  const selected = useAtomValue(selectedDatasetIdAtom);
  useEffect(() => { if (datasets === null) void refreshDatasets(); }, [datasets === null]);
  const usable = (datasets ?? []).filter((d) => d.indexes.some((i) => i.modelId === model.id && i.indexed > 0 && i.layers.some((l) => l.name === layer.name)));
  const ds = usable.find((d) => d.id === selected) ?? usable[0];
  if (!ds) {
    return (
      <section className="fv-section" data-testid="ds-none">
        <h3>Dataset examples</h3>
        <div className="muted small">
          {datasets === null ? 'Looking for datasets…' : `No dataset of this project is indexed for ${model.name} at ${layer.name}. Add a folder of photos in the Dataset tab and index it with this layer to see the photos this unit responds to.`}
        </div>
      </section>
    );
  }
  return (
    <>
      <Examples ds={ds} model={model} layer={layer.name} channel={channel} bottom={false} />
      <Examples ds={ds} model={model} layer={layer.name} channel={channel} bottom />
      <Histogram ds={ds} model={model} layer={layer.name} channel={channel} />
      <FeatureSpace ds={ds} model={model} layer={layer.name} />
    </>
  );
}
