{{- define "logateway.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "logateway.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "logateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "logateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "logateway.labels" -}}
{{ include "logateway.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "logateway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "logateway.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "logateway.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end -}}
{{- end -}}

{{/* The config as written to the ConfigMap: the user's, with the listeners the chart wires. */}}
{{- define "logateway.config" -}}
{{- $c := deepCopy (default (dict) .Values.config) -}}
{{- $_ := set $c "listen" ":8080" -}}
{{- if .Values.metrics.enabled -}}
{{- $_ := set $c "admin_listen" (printf "0.0.0.0:%d" (int .Values.metrics.port)) -}}
{{- else -}}
{{- $_ := set $c "admin_listen" "off" -}}
{{- end -}}
{{- toYaml $c -}}
{{- end -}}

{{/* Several replicas share sessions only through Redis. */}}
{{- define "logateway.validate" -}}
{{- $store := dig "session" "store" "memory" (default (dict) .Values.config) -}}
{{- if and (or (gt (int .Values.replicaCount) 1) .Values.autoscaling.enabled) (ne $store "redis") -}}
{{- fail (printf "logateway: replicaCount %v (autoscaling %v) needs config.session.store: redis (with config.session.redis.addrs); with the memory store each pod would have its own sessions and visitors would be signed out at random" .Values.replicaCount .Values.autoscaling.enabled) -}}
{{- end -}}
{{- end -}}
