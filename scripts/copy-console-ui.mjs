// The console's static files (src/console/ui: its page, modules and style) copied beside the
// compiled code, to dist/console/ui, where src/console/assets.ts reads them; tsc copies no such file.
import { cp, rm } from 'node:fs/promises';

await rm('dist/console/ui', { recursive: true, force: true });
await cp('src/console/ui', 'dist/console/ui', { recursive: true });
