import { useAtomValue } from '../../state/store';
import { noticesAtom, type Notice } from './atoms';
import { dismiss } from './service';

export function Banners({ area }: { area: Notice['area'] }) {
  const notices = useAtomValue(noticesAtom).filter((n) => n.area === area);
  if (notices.length === 0) return null;
  return (
    <div className="banners">
      {notices.map((n) => (
        <div key={n.id} className="banner banner-error" role="alert" data-testid={`error-${area}`}>
          <span className="banner-text">{n.message}</span>
          <button className="icon-button" title="Dismiss" onClick={() => dismiss(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
