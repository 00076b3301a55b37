import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import envPaths from 'env-paths';

/** The package's folder (three levels above dist/src/config at run time): a checkout or an installed package. */
export const PACKAGE_ROOT: string = resolve(fileURLToPath(new URL('../../../', import.meta.url)));

/** A git checkout keeps its sources beside dist/; the packed package ships dist/ only. */
export const RUNS_FROM_CHECKOUT: boolean = existsSync(join(PACKAGE_ROOT, 'src')) && existsSync(join(PACKAGE_ROOT, 'tsconfig.json'));

/**
 * Where the database lives when nothing says otherwise. A checkout keeps it under ./data (the
 * README's first command); an installed package, started from any folder, in the platform's
 * per-user data folder (Linux ~/.local/share/mcp-memory-service or $XDG_DATA_HOME/..., macOS
 * ~/Library/Application Support/mcp-memory-service, Windows %LOCALAPPDATA%\mcp-memory-service\Data),
 * apart from upstream's ~/.local/share/mcp-memory.
 */
export function defaultDataDir(): string {
  return RUNS_FROM_CHECKOUT ? './data' : envPaths('mcp-memory-service', { suffix: '' }).data;
}
