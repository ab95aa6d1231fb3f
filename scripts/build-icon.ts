// Renders resources/icon.svg to the PNGs the desktop build and the window use (resources/icon.png, 512 px;
// resources/icon-256.png for small uses). Run after changing the SVG: `npx tsx scripts/build-icon.ts`.
import * as path from 'node:path';
import sharp from 'sharp';

const dir = path.resolve(__dirname, '../resources');

async function main(): Promise<void> {
  const svg = path.join(dir, 'icon.svg');
  for (const [file, size] of [['icon.png', 512], ['icon-256.png', 256]] as const) {
    // density: render the vector at the target size instead of scaling a 72-dpi bitmap
    await sharp(svg, { density: (72 * size) / 512 }).resize(size, size).png({ compressionLevel: 9 }).toFile(path.join(dir, file));
    console.log(`${file}: ${size}×${size}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
