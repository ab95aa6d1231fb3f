import { useMemo } from 'react';
import type { LayerInfo } from '../../../shared/contract';
import { formatShape } from '../../components/format';
import { useAtom, useSetAtom } from '../../state/store';
import { selectedLayerAtom, tabAtom } from '../run/atoms';
import { layerSearchAtom } from './atoms';

/** Every tensor a person can study, searchable by name or op type; clicking picks it for activations. */
export function LayerList({ layers, size }: { layers: LayerInfo[]; size: { width: number; height: number } }) {
  const [query, setQuery] = useAtom(layerSearchAtom);
  const [selected, setSelected] = useAtom(selectedLayerAtom);
  const setTab = useSetAtom(tabAtom);
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!q) return layers;
    return layers.filter((l) => l.name.toLowerCase().includes(q) || l.opType.toLowerCase().includes(q));
  }, [layers, query]);
  return (
    <div className="layers">
      <div className="layers-toolbar">
        <input
          className="search"
          data-testid="layer-search"
          placeholder={`Search ${layers.length} layers by name or op…`}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <span className="muted">
          shapes at {size.width}×{size.height} · {shown.length} shown
        </span>
      </div>
      <div className="table-scroll">
        <table className="table" data-testid="layer-table">
          <thead>
            <tr>
              <th className="num">#</th>
              <th>Tensor</th>
              <th>Op</th>
              <th>Shape</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((l) => (
              <tr
                key={l.name}
                className={l.name === selected ? 'selected' : ''}
                data-layer={l.name}
                onClick={() => setSelected(l.name)}
                onDoubleClick={() => {
                  setSelected(l.name);
                  setTab('run');
                }}
                title="Click: use this layer for activations · double-click: go to Run"
              >
                <td className="num muted">{l.order}</td>
                <td className="mono">
                  {l.name}
                  {l.preActivation && <span className="tag">pre-ReLU</span>}
                </td>
                <td>{l.opType}</td>
                <td className="mono">{formatShape(l.shape)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {shown.length === 0 && <div className="empty">No layer matches “{query}”.</div>}
      </div>
    </div>
  );
}
