// A saved image (a run's artifact), fetched once per project and shown pixel-exact when enlarged.
import { useEffect } from 'react';
import { useAtomValue } from '../../state/store';
import { artifactsAtom } from '../run/atoms';
import { loadArtifact } from '../run/service';

export function ArtifactImage({ artifactId, alt, className, testId }: { artifactId: string; alt: string; className?: string; testId?: string }) {
  const src = useAtomValue(artifactsAtom)[artifactId];
  useEffect(() => void loadArtifact(artifactId), [artifactId]);
  return src ? (
    <img className={`fv-image ${className ?? ''}`} src={src} alt={alt} data-testid={testId} data-artifact-id={artifactId} draggable={false} />
  ) : (
    <div className={`fv-image empty-image ${className ?? ''}`} />
  );
}
