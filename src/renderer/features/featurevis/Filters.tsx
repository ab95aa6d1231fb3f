// A first convolution's learned filters (its input is the image, so its kernels are pictures: CS231n's
// first-layer view), each min–max normalized on its own. The layer grid shows them all; a unit page its own.
import type { ModelFilters } from '../../../shared/contract';

export function FilterGrid({ filters }: { filters: ModelFilters }) {
  const { grid, kernel } = filters;
  return (
    <section className="fv-section" data-testid="fv-filters">
      <h3>
        Learned filters · {filters.node} · {filters.count} kernels of {kernel.width}×{kernel.height}×{kernel.channels}
      </h3>
      <img
        className="fv-filters-grid"
        src={`data:${grid.mime};base64,${grid.base64}`}
        alt={`the ${filters.count} filters of ${filters.node}`}
        style={{ width: Math.min(grid.width * 2, 860) }}
      />
      <div className="muted small">each filter scaled to its own range; {kernel.channels === 3 ? 'shown in RGB whatever the model’s channel order' : 'grey: one input channel'}</div>
    </section>
  );
}

export function UnitFilter({ filters, channel }: { filters: ModelFilters; channel: number }) {
  const tile = filters.tiles[channel];
  if (!tile) return null;
  return (
    <figure className="fv-figure" data-testid="fv-unit-filter">
      <img className="fv-image pixelated" src={`data:${tile.mime};base64,${tile.base64}`} alt={`filter ${channel}`} />
      <figcaption className="muted small">
        its {filters.kernel.width}×{filters.kernel.height} kernel ({filters.node})
      </figcaption>
    </figure>
  );
}
