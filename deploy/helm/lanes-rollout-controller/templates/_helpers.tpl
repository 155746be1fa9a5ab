{{/* The chart's name, as Kubernetes names allow. */}}
{{- define "lanes.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The base of every object name. The default release name "lanes-rollout-controller" gives the names the plain
manifests in deploy/ have always had (Service lanes-rollout-controller-webhook, ...). Kept at 52 characters so
"-webhook-certs" still fits in 63 (Kubernetes' label-value and DNS-label limit for Service names).
*/}}
{{- define "lanes.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "lanes.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "lanes.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lanes.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "lanes.labels" -}}
helm.sh/chart: {{ include "lanes.chart" . }}
{{ include "lanes.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: lanes
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "lanes.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "lanes.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Service the API server calls the webhooks through (WebhookOptions.ServiceName). */}}
{{- define "lanes.webhookServiceName" -}}
{{- printf "%s-webhook" (include "lanes.fullname" .) }}
{{- end }}

{{/* The controller finds both webhook configurations under this one name (WebhookOptions.MutatingConfigurationName). */}}
{{- define "lanes.webhookConfigurationName" -}}
{{- include "lanes.fullname" . }}
{{- end }}

{{/* The serving certificate's Secret: made by the controller (selfSigned), by cert-manager, or brought by the user. */}}
{{- define "lanes.certificateSecretName" -}}
{{- if eq .Values.webhooks.certificate.source "secret" }}
{{- required "webhooks.certificate.secretName is required when webhooks.certificate.source is secret (a kubernetes.io/tls Secret with tls.crt, tls.key and ca.crt)" .Values.webhooks.certificate.secretName }}
{{- else }}
{{- default (printf "%s-webhook-certs" (include "lanes.fullname" .)) .Values.webhooks.certificate.secretName }}
{{- end }}
{{- end }}

{{- define "lanes.certManager" -}}
{{- if and .Values.webhooks.enabled (eq .Values.webhooks.certificate.source "certManager") }}true{{ end }}
{{- end }}

{{/* cert-manager's cainjector fills caBundle from the serving Certificate; otherwise the controller writes it. */}}
{{- define "lanes.caInjection" -}}
{{- if include "lanes.certManager" . }}
cert-manager.io/inject-ca-from: {{ printf "%s/%s-webhook" .Release.Namespace (include "lanes.fullname" .) }}
{{- end }}
{{- end }}

{{- define "lanes.crdAnnotations" -}}
{{- if .Values.crds.keep }}
helm.sh/resource-policy: keep
{{- end }}
{{- include "lanes.caInjection" . }}
{{- end }}

{{- define "lanes.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Rules the schema cannot state across values; each message names the value to change. */}}
{{- define "lanes.validate" -}}
{{- $pdb := .Values.podDisruptionBudget }}
{{- if and $pdb.enabled (not (kindIs "invalid" $pdb.minAvailable)) (not (kindIs "invalid" $pdb.maxUnavailable)) }}
{{- fail "podDisruptionBudget: set either podDisruptionBudget.minAvailable or podDisruptionBudget.maxUnavailable, not both" }}
{{- end }}
{{- if and .Values.webhooks.enabled (eq .Values.webhooks.certificate.source "secret") (not .Values.webhooks.certificate.secretName) }}
{{- fail "webhooks.certificate.secretName is required when webhooks.certificate.source is secret (a kubernetes.io/tls Secret with tls.crt, tls.key and ca.crt)" }}
{{- end }}
{{- if and (include "lanes.certManager" .) .Values.webhooks.certificate.certManager.issuerRef.name (not .Values.webhooks.certificate.certManager.issuerRef.kind) }}
{{- fail "webhooks.certificate.certManager.issuerRef.kind is required with issuerRef.name (Issuer or ClusterIssuer)" }}
{{- end }}
{{- $le := .Values.leaderElection }}
{{- if and (not $le.enabled) (gt (int .Values.replicas) 1) }}
{{- fail (printf "replicas: %d replicas need leaderElection.enabled=true (without it every replica reconciles every Rollout)" (int .Values.replicas)) }}
{{- end }}
{{- end }}
