/**
 * Advertises a memory service with ciao on the namespace's loopback, with nothing listening on its
 * port: a real advertisement of an unhealthy server. Run inside a test-made namespace only.
 * Usage: node advertise-only.js <name> <port>
 */
import ciao from '@homebridge/ciao';

const [name, port] = process.argv.slice(2);
const responder = ciao.getResponder({ interface: 'lo' });
const service = responder.createService({ name: name!, type: 'mcp-memory', protocol: 'tcp' as never, port: Number(port), txt: { path: '/api', https: 'false', auth: 'true', api_version: '1' } });
await service.advertise();
process.stdout.write('advertised\n');
const stop = async (): Promise<void> => {
  await service.end();
  await responder.shutdown();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
