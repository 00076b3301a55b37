import { readFileSync } from 'node:fs';

/** The service's version from package.json (three levels above dist/src/common at run time). */
export const SERVICE_VERSION: string = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
