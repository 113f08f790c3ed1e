// compose.postgres.yaml and deploy/nginx.conf agree with each other and with the image, since no
// Docker engine runs here to start them: every replica reaches the compose file's PostgreSQL with
// its user and database, keeps no state file, and shares the admin token; the proxy spreads over
// exactly those replicas on the image's port, and holds Server-Sent Events open unbuffered.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
const text = (file: string) => readFile(`${root}${file}`, 'utf8');

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
}

describe('compose.postgres.yaml', () => {
  it('runs two replicas of the image on the PostgreSQL service, behind nginx on 4300', async () => {
    const compose = parse(await text('compose.postgres.yaml'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
    const { postgres, proxy, ...rest } = compose.services;
    const replicas = Object.entries(rest);
    expect(replicas.map(([name]) => name)).toEqual(['sandbox-a', 'sandbox-b']);
    const db = postgres!.environment!;
    expect(postgres!.volumes).toEqual(['postgres-data:/var/lib/postgresql/data']);
    expect(compose.volumes).toHaveProperty('postgres-data');
    for (const [, replica] of replicas) {
      expect(replica.build).toBe('.');
      const url = new URL(replica.environment!.SANDBOX_STORE_URL!.replace('${POSTGRES_PASSWORD:-sandbox}', 'pw'));
      expect(url.protocol).toBe('postgres:');
      expect(url.username).toBe(db.POSTGRES_USER);
      expect(url.hostname).toBe('postgres');
      expect(url.port).toBe('5432');
      expect(url.pathname).toBe(`/${db.POSTGRES_DB}`);
      expect(replica.environment!.SANDBOX_ADMIN_TOKEN).toMatch(/^\$\{SANDBOX_ADMIN_TOKEN:\?/);
      expect(replica.command).toEqual(['serve', '--host', '0.0.0.0']); // no --data: it cannot go with a store
      expect(replica.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    }
    expect(proxy!.ports).toEqual(['4300:80']);
    expect(proxy!.volumes).toEqual(['./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro']);
  });

  it('nginx spreads over exactly those replicas on the port the image listens on, and passes streams on unbuffered', async () => {
    const nginx = await text('deploy/nginx.conf');
    const dockerfile = await text('Dockerfile');
    const port = /^ENV PORT=(\d+)$/m.exec(dockerfile)![1];
    const servers = [...nginx.matchAll(/^\s*server\s+([\w-]+):(\d+)/gm)].map((m) => `${m[1]}:${m[2]}`);
    expect(servers).toEqual([`sandbox-a:${port}`, `sandbox-b:${port}`]);
    expect(nginx).toMatch(/^\s*listen 80;/m);
    expect(nginx).toMatch(/^\s*proxy_pass http:\/\/sandbox_replicas;/m);
    expect(nginx).toMatch(/^\s*proxy_buffering off;/m);
    expect(nginx).toMatch(/^\s*proxy_http_version 1\.1;/m);
  });
});
