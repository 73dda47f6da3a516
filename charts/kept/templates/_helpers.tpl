{{/*
Names. Every object of service S is named <fullname>-<S>.
*/}}
{{- define "kept.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kept.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The name of one component's objects: (dict "root" $ "name" "commitments") */}}
{{- define "kept.componentName" -}}
{{- printf "%s-%s" (include "kept.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kept.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object: (dict "root" $ "name" component) */}}
{{- define "kept.labels" -}}
helm.sh/chart: {{ include "kept.chart" .root }}
{{ include "kept.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: kept
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "name" component) */}}
{{- define "kept.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kept.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{/*
kept.deepMerge: .over merged into a copy of .base, recursing into maps;
lists and scalars of .over replace those of .base, including false, 0 and ""
(sprig's mergeOverwrite would keep the base's value for those). Returns YAML.
*/}}
{{- define "kept.deepMerge" -}}
{{- $dst := deepCopy .base -}}
{{- range $k, $v := .over -}}
{{- $cur := get $dst $k -}}
{{- if and (kindIs "map" $v) (kindIs "map" $cur) -}}
{{- $_ := set $dst $k (include "kept.deepMerge" (dict "base" $cur "over" $v) | fromYaml) -}}
{{- else -}}
{{- $_ := set $dst $k $v -}}
{{- end -}}
{{- end -}}
{{- toYaml $dst -}}
{{- end -}}

{{/*
kept.services: the enabled services, each one's values merged over
serviceDefaults, as YAML {name: values}. Use with fromYaml.
*/}}
{{- define "kept.services" -}}
{{- $out := dict -}}
{{- range $name, $s := .Values.services -}}
{{- if not (regexMatch "^[a-z][a-z0-9-]{0,30}$" $name) -}}
{{- fail (printf "services.%s: a service name is lower-case letters, digits and dashes (it names objects and images)" $name) -}}
{{- end -}}
{{- $svc := include "kept.deepMerge" (dict "base" $.Values.serviceDefaults "over" ($s | default dict)) | fromYaml -}}
{{- if $svc.enabled -}}
{{- $_ := set $out $name $svc -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/* The image of a binary: (dict "root" $ "name" binary "image" imageValues) */}}
{{- define "kept.image" -}}
{{- $root := .root -}}
{{- $img := .image | default dict -}}
{{- $repo := $img.repository -}}
{{- if not $repo -}}
{{- /* The all-in-one binary's image is the prefix itself: kept-ogp/kept, not kept-ogp/kept-kept. */ -}}
{{- $repo = ternary (trimSuffix "-" $root.Values.image.repositoryPrefix) (printf "%s%s" $root.Values.image.repositoryPrefix .name) (eq .name "kept") -}}
{{- if $root.Values.image.registry -}}
{{- $repo = printf "%s/%s" $root.Values.image.registry $repo -}}
{{- end -}}
{{- end -}}
{{- $tag := toString ($img.tag | default $root.Values.image.tag | default $root.Chart.AppVersion) -}}
{{- if or (eq $tag "latest") (eq $tag "") -}}
{{- fail (printf "image of %s: the tag %q is refused; pin a version (image.tag or services.%s.image.tag)" .name $tag .name) -}}
{{- end -}}
{{- if $img.digest -}}
{{- printf "%s:%s@%s" $repo $tag $img.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo $tag -}}
{{- end -}}
{{- end -}}

{{/* Grace period: longer than preStop sleep plus the shutdown bound. (dict "name" n "svc" values) */}}
{{- define "kept.terminationGracePeriod" -}}
{{- $min := add (int .svc.preStopSleepSeconds) (int .svc.shutdownTimeoutSeconds) -}}
{{- $set := int .svc.terminationGracePeriodSeconds -}}
{{- if eq $set 0 -}}
{{- add $min 10 -}}
{{- else if le $set $min -}}
{{- fail (printf "services.%s.terminationGracePeriodSeconds=%d must exceed preStopSleepSeconds + shutdownTimeoutSeconds = %d, or the kubelet kills the service mid-shutdown" .name $set $min) -}}
{{- else -}}
{{- $set -}}
{{- end -}}
{{- end -}}

{{/*
The environment variables a service's ConfigMap holds, as YAML:
(dict "root" $ "name" n "svc" values). Secrets and the pod name never go here.
*/}}
{{- define "kept.configData" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
{{- $reserved := list "MONGODB_URI" "REDIS_URL" "POD_NAME" "GOMEMLIMIT" "HTTP_ADDR" "METRICS_ADDR" "SHUTDOWN_TIMEOUT" -}}
{{- $d := dict -}}
{{- range $k, $v := $root.Values.config -}}
{{- if has $k $reserved -}}
{{- fail (printf "config.%s: set by the chart (from its own values or a Secret), not in config" $k) -}}
{{- end -}}
{{- if ne (toString $v) "" -}}
{{- $_ := set $d $k (toString $v) -}}
{{- end -}}
{{- end -}}
{{- range $k, $v := $svc.config -}}
{{- if has $k $reserved -}}
{{- fail (printf "services.%s.config.%s: set by the chart (from its own values or a Secret), not in config" $.name $k) -}}
{{- end -}}
{{- if ne (toString $v) "" -}}
{{- $_ := set $d $k (toString $v) -}}
{{- else -}}
{{- $_ := unset $d $k -}}
{{- end -}}
{{- end -}}
{{- $all := include "kept.services" $root | fromYaml -}}
{{- range $env, $target := $svc.upstreams -}}
{{- if not (hasKey $all $target) -}}
{{- fail (printf "services.%s.upstreams.%s: no enabled service %q in this release" $.name $env $target) -}}
{{- end -}}
{{- $_ := set $d $env (printf "http://%s:%d" (include "kept.componentName" (dict "root" $root "name" $target)) (int $root.Values.service.port)) -}}
{{- end -}}
{{- $_ := set $d "HTTP_ADDR" (printf ":%d" (int $svc.containerPort)) -}}
{{- $_ := set $d "METRICS_ADDR" (printf ":%d" (int $svc.metricsPort)) -}}
{{- $_ := set $d "SHUTDOWN_TIMEOUT" (printf "%ds" (int $svc.shutdownTimeoutSeconds)) -}}
{{- $_ := set $d "MONGODB_DATABASE" ($svc.database | default (printf "%s%s" $root.Values.mongodb.databasePrefix .name)) -}}
{{- $_ := set $d "AUTH_DATABASE" $root.Values.mongodb.authDatabase -}}
{{- toYaml $d -}}
{{- end -}}

{{/*
Secret-backed environment variables of a list of references:
(dict "root" $ "owner" "services.x" "refs" list "mongodb" serviceMongodbOverride).
*/}}
{{- define "kept.secretEnv" -}}
{{- $root := .root -}}
{{- range $ref := .refs -}}
{{- if eq $ref "mongodb" -}}
{{- $own := $.mongodb | default dict -}}
{{- $secret := $own.existingSecret | default $root.Values.mongodb.existingSecret -}}
{{- if not $secret -}}
{{- fail "mongodb.existingSecret: name the Secret that holds the MongoDB connection string" -}}
{{- end }}
- name: MONGODB_URI
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $own.uriKey | default $root.Values.mongodb.uriKey }}
{{- else if eq $ref "redis" -}}
{{- if not $root.Values.redis.existingSecret -}}
{{- fail "redis.existingSecret: name the Secret that holds the Redis URL" -}}
{{- end }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.redis.existingSecret }}
      key: {{ $root.Values.redis.urlKey }}
{{- else if hasKey $root.Values.secrets $ref -}}
{{- $s := get $root.Values.secrets $ref -}}
{{- if not $s.existingSecret -}}
{{- fail (printf "%s lists secretRefs %s: set secrets.%s.existingSecret" $.owner $ref $ref) -}}
{{- end -}}
{{- range $env, $key := $s.keys }}
- name: {{ $env }}
  valueFrom:
    secretKeyRef:
      name: {{ $s.existingSecret }}
      key: {{ $key }}
{{- end -}}
{{- else -}}
{{- fail (printf "%s: unknown secretRefs entry %q (mongodb, redis, or a key of secrets)" $.owner $ref) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* A list of NetworkPolicy egress rules' peers; refuses an empty list. (dict "what" name "rule" rule) */}}
{{- define "kept.egressRule" -}}
{{- if not .rule.to -}}
{{- fail (printf "networkPolicy.egress.%s.to is empty: an egress rule without peers allows every destination" .what) -}}
{{- end }}
- to:
    {{- toYaml .rule.to | nindent 4 }}
  ports:
    {{- toYaml (.ports | default .rule.ports) | nindent 4 }}
{{- end -}}

{{/* The pod-level security settings every kept workload shares. */}}
{{- define "kept.podSecurity" -}}
automountServiceAccountToken: false
enableServiceLinks: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
