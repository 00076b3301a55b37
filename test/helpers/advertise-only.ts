/**
 * Advertises a memory service with ciao on the namespace's loopback without serving it: a real
 * advertisement of an unhealthy server (nothing on its port) or of an impostor (another server's
 * port with TXT properties that do not match it). Run inside a test-made namespace only.
 * Usage: node advertise-only.js <name> <port> [txt as JSON, merged over the defaults]
 */
import ciao from '@homebridge/ciao';

const [name, port, txt] = process.argv.slice(2);
const responder = ciao.getResponder({ interface: 'lo' });
const service = responder.createService({
  name: name!,
  type: 'mcp-memory',
  protocol: 'tcp' as never,
  port: Number(port),
  txt: { path: '/api', https: 'false', auth: 'true', api_version: '1', ...(txt ? (JSON.parse(txt) as Record<string, string>) : {}) },
});
await service.advertise();
process.stdout.write('advertised\n');
const stop = async (): Promise<void> => {
  await service.end();
  await responder.shutdown();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
