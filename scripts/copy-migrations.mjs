// The PostgreSQL store's migrations (src/store/postgres/migrations/*.sql) copied beside the
// compiled code, to dist/store/postgres/migrations, where src/store/postgres/migrations.ts reads
// them; tsc copies no such file.
import { cp, rm } from 'node:fs/promises';

await rm('dist/store/postgres/migrations', { recursive: true, force: true });
await cp('src/store/postgres/migrations', 'dist/store/postgres/migrations', { recursive: true });
