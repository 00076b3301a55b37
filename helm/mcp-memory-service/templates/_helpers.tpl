{{/* The chart's name, or nameOverride (e.g. when used as a subchart). */}}
{{- define "mcp-memory.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Resource names: fullnameOverride, else <release>-<name> (just <release> when it already contains the name). */}}
{{- define "mcp-memory.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "mcp-memory.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "mcp-memory.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "mcp-memory.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* SQLite has one writer: refuse more than one replica with a message that says why. */}}
{{- define "mcp-memory.validate" -}}
{{- if and (eq .Values.storage.backend "sqlite") (gt (int .Values.replicaCount) 1) -}}
{{- fail (printf "replicaCount=%d needs storage.backend=postgres: with SQLite the service keeps one database file with one writer, so it runs as exactly one replica (scale it up, or move to PostgreSQL replicas; see docs/postgresql.md)" (int .Values.replicaCount)) -}}
{{- end -}}
{{- end -}}

{{- define "mcp-memory.labels" -}}
app.kubernetes.io/name: {{ include "mcp-memory.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "mcp-memory.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mcp-memory.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "mcp-memory.secretName" -}}
{{- default (include "mcp-memory.fullname" .) .Values.apiKey.existingSecret -}}
{{- end -}}

{{- define "mcp-memory.scheme" -}}
{{- if eq (toString (index .Values.config "MCP_HTTPS_ENABLED" | default "false")) "true" -}}HTTPS{{- else -}}HTTP{{- end -}}
{{- end -}}

{{/* The pod template shared by the StatefulSet (sqlite) and the Deployment (postgres). */}}
{{- define "mcp-memory.podTemplate" -}}
metadata:
  labels:
    {{- include "mcp-memory.selectorLabels" . | nindent 4 }}
  annotations:
    checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  serviceAccountName: {{ include "mcp-memory.serviceAccountName" . }}
  # The server never talks to the Kubernetes API.
  automountServiceAccountToken: false
  securityContext:
    {{- toYaml .Values.podSecurityContext | nindent 4 }}
  terminationGracePeriodSeconds: 30
  containers:
    - name: mcp-memory
      image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      args: ["serve"]
      ports:
        - name: http
          containerPort: {{ index .Values.config "MCP_HTTP_PORT" | int }}
          protocol: TCP
        {{- if .Values.metrics.enabled }}
        - name: metrics
          containerPort: {{ .Values.metrics.port | int }}
          protocol: TCP
        {{- end }}
      envFrom:
        - configMapRef:
            name: {{ include "mcp-memory.fullname" . }}
      env:
        - name: MCP_API_KEY
          valueFrom:
            secretKeyRef:
              name: {{ include "mcp-memory.secretName" . }}
              key: {{ .Values.apiKey.secretKey }}
        {{- if eq .Values.storage.backend "postgres" }}
        - name: MCP_MEMORY_STORAGE_BACKEND
          value: postgres
        - name: MCP_POSTGRES_URL
          valueFrom:
            secretKeyRef:
              name: {{ required "storage.postgres.existingSecret is required with storage.backend=postgres" .Values.storage.postgres.existingSecret }}
              key: {{ .Values.storage.postgres.urlKey }}
        {{- end }}
      startupProbe:
        httpGet: { path: /api/health, port: http, scheme: {{ include "mcp-memory.scheme" . }} }
        periodSeconds: 2
        failureThreshold: {{ div .Values.probes.startupTimeoutSeconds 2 }}
      livenessProbe:
        httpGet: { path: /api/health, port: http, scheme: {{ include "mcp-memory.scheme" . }} }
        periodSeconds: 20
        timeoutSeconds: 5
        failureThreshold: 3
      readinessProbe:
        httpGet: { path: /api/health, port: http, scheme: {{ include "mcp-memory.scheme" . }} }
        periodSeconds: 10
        timeoutSeconds: 5
      resources:
        {{- toYaml .Values.resources | nindent 8 }}
      securityContext:
        {{- toYaml .Values.securityContext | nindent 8 }}
      volumeMounts:
        - name: data
          mountPath: /app/data
        - name: tmp
          mountPath: /tmp
  volumes:
    - name: tmp
      emptyDir: {}
    {{- if eq .Values.storage.backend "postgres" }}
    # Stateless replicas: the data directory only holds generated certificates.
    - name: data
      emptyDir: {}
    {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}
