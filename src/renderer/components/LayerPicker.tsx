// A searchable pick-list of ONE model's layers (name, op, shape). The field shows the picked layer; typing
// filters the list, and only a click or Enter on a listed layer changes the choice — so a layer of
// another model, or a typo, can never become the selection.
import { useMemo, useRef, useState } from 'react';
import type { LayerInfo } from '../../shared/contract';
import { formatShape } from './format';
import { filterLayers } from './layerFilter';
import './components.css';

/** Rows drawn at once; InceptionV3 has ~1000 tensors, and the search narrows them. */
const MAX_ROWS = 150;

export function LayerPicker({ layers, value, onPick, accept, testId, placeholder, disabled }: {
  layers: readonly LayerInfo[];
  value: string | null;
  onPick: (layer: string) => void;
  /** which layers may be picked (e.g. feature maps only) */
  accept?: (l: LayerInfo) => boolean;
  testId: string;
  placeholder?: string;
  disabled?: boolean;
}) {
  const [query, setQuery] = useState<string | null>(null);
  const [hi, setHi] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const shown = useMemo(() => (query === null ? [] : filterLayers(layers, query, accept)), [layers, query, accept]);
  const open = query !== null;
  const pick = (l: LayerInfo | undefined) => {
    if (!l) return;
    onPick(l.name);
    setQuery(null);
    input.current?.blur();
  };
  return (
    <div className="layer-picker" data-testid={`${testId}-picker`}>
      <input
        ref={input}
        className="mono"
        data-testid={testId}
        placeholder={placeholder ?? `search ${layers.length} layers by name or op`}
        disabled={disabled}
        value={query ?? value ?? ''}
        onFocus={(e) => {
          setQuery('');
          setHi(0);
          e.currentTarget.select();
        }}
        onBlur={() => setQuery(null)}
        onChange={(e) => {
          setQuery(e.target.value);
          setHi(0);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') setHi((h) => Math.min(h + 1, Math.min(shown.length, MAX_ROWS) - 1));
          else if (e.key === 'ArrowUp') setHi((h) => Math.max(0, h - 1));
          else if (e.key === 'Enter') pick(shown[hi]);
          else if (e.key === 'Escape') (e.currentTarget as HTMLInputElement).blur();
          else return;
          e.preventDefault();
        }}
      />
      {open && (
        <div className="layer-picker-list" role="listbox" data-testid={`${testId}-options`}>
          {shown.slice(0, MAX_ROWS).map((l, i) => (
            <div
              key={l.name}
              role="option"
              aria-selected={l.name === value}
              className={`layer-picker-row ${i === hi ? 'hi' : ''} ${l.name === value ? 'current' : ''}`}
              data-testid={`${testId}-option`}
              data-layer={l.name}
              // mousedown, not click: the input's blur would close the list before a click lands
              onMouseDown={(e) => {
                e.preventDefault();
                pick(l);
              }}
              onMouseEnter={() => setHi(i)}
            >
              <span className="mono name">{l.name}</span>
              <span className="muted small">{l.opType}</span>
              <span className="mono small">{formatShape(l.shape)}</span>
            </div>
          ))}
          {shown.length === 0 && <div className="empty small">No layer of this model matches “{query}”.</div>}
          {shown.length > MAX_ROWS && <div className="muted small layer-picker-more">{shown.length - MAX_ROWS} more — type to narrow</div>}
        </div>
      )}
    </div>
  );
}
