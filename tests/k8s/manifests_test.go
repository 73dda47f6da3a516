package k8s

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TestManifestInvariants checks, for every value set, what the chart promises
// about each object it renders.
func TestManifestInvariants(t *testing.T) {
	for _, vs := range valueSets {
		t.Run(vs.name, func(t *testing.T) {
			checkInvariants(t, render(t, vs.files))
		})
	}
}

// checkInvariants is every structural check on one rendering.
func checkInvariants(t *testing.T, r *Rendered) {
	t.Helper()
	checkNamespaces(t, r)
	checkWorkloads(t, r)
	checkServices(t, r)
	checkPDBs(t, r)
	checkHPAs(t, r)
	checkNetworkPolicies(t, r)
	checkIngresses(t, r)
	checkServiceMonitors(t, r)
	for _, sa := range r.ServiceAccounts {
		if sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
			t.Errorf("ServiceAccount %s: automountServiceAccountToken must be false", sa.Name)
		}
	}
}

func checkNamespaces(t *testing.T, r *Rendered) {
	t.Helper()
	for _, o := range r.Objects {
		m, ok := o.Obj.(metav1.Object)
		if !ok {
			t.Errorf("%s %s has no object metadata", o.Kind, o.Name)
			continue
		}
		if m.GetNamespace() != namespace {
			t.Errorf("%s %s: namespace %q, want the release's %q (so `helm template | kubectl apply` lands it there)", o.Kind, o.Name, m.GetNamespace(), namespace)
		}
	}
}

func checkWorkloads(t *testing.T, r *Rendered) {
	t.Helper()
	for _, d := range r.Deployments {
		sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
		if err != nil || sel.Empty() {
			t.Errorf("Deployment %s: selector %v: %v", d.Name, d.Spec.Selector, err)
		} else if !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			t.Errorf("Deployment %s: selector %s does not match its pod labels %v", d.Name, sel, d.Spec.Template.Labels)
		}
		checkDeploymentPod(t, r, d)
	}
	for _, w := range r.Workloads() {
		checkPodSecurity(t, r, w)
		for _, c := range w.Template.Spec.Containers {
			checkResources(t, w, c)
			checkImage(t, w, c)
		}
		for _, c := range w.Template.Spec.InitContainers {
			checkResources(t, w, c)
			checkImage(t, w, c)
		}
		checkEnvReferences(t, r, w)
	}
}

func checkPodSecurity(t *testing.T, r *Rendered, w Workload) {
	t.Helper()
	spec := w.Template.Spec
	where := w.Kind + " " + w.Name
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		t.Errorf("%s: automountServiceAccountToken must be false on the pod", where)
	}
	if spec.ServiceAccountName != "" && spec.ServiceAccountName != "default" {
		found := false
		for _, sa := range r.ServiceAccounts {
			found = found || sa.Name == spec.ServiceAccountName
		}
		if !found {
			t.Errorf("%s: ServiceAccount %s is not rendered", where, spec.ServiceAccountName)
		}
	}
	psc := spec.SecurityContext
	if psc == nil {
		psc = &corev1.PodSecurityContext{}
	}
	if spec.HostNetwork || spec.HostPID || spec.HostIPC {
		t.Errorf("%s: uses a host namespace", where)
	}
	all := append(slices.Clone(spec.InitContainers), spec.Containers...)
	for _, c := range all {
		where := fmt.Sprintf("%s container %s", where, c.Name)
		sc := c.SecurityContext
		if sc == nil {
			t.Errorf("%s: no securityContext", where)
			continue
		}
		nonRoot := psc.RunAsNonRoot
		if sc.RunAsNonRoot != nil {
			nonRoot = sc.RunAsNonRoot
		}
		if nonRoot == nil || !*nonRoot {
			t.Errorf("%s: runAsNonRoot must be true", where)
		}
		uid := psc.RunAsUser
		if sc.RunAsUser != nil {
			uid = sc.RunAsUser
		}
		if uid != nil && *uid == 0 {
			t.Errorf("%s: runs as uid 0", where)
		}
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Errorf("%s: readOnlyRootFilesystem must be true", where)
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Errorf("%s: allowPrivilegeEscalation must be false", where)
		}
		if sc.Privileged != nil && *sc.Privileged {
			t.Errorf("%s: privileged", where)
		}
		if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, corev1.Capability("ALL")) {
			t.Errorf("%s: capabilities must drop ALL", where)
		} else if len(sc.Capabilities.Add) > 0 {
			t.Errorf("%s: adds capabilities %v", where, sc.Capabilities.Add)
		}
		seccomp := psc.SeccompProfile
		if sc.SeccompProfile != nil {
			seccomp = sc.SeccompProfile
		}
		if seccomp == nil || seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault {
			t.Errorf("%s: seccompProfile must be RuntimeDefault, got %v", where, seccomp)
		}
	}
}

func checkResources(t *testing.T, w Workload, c corev1.Container) {
	t.Helper()
	where := fmt.Sprintf("%s %s container %s", w.Kind, w.Name, c.Name)
	for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, okReq := c.Resources.Requests[res]
		lim, okLim := c.Resources.Limits[res]
		switch {
		case !okReq || req.IsZero():
			t.Errorf("%s: no %s request", where, res)
		case !okLim || lim.IsZero():
			t.Errorf("%s: no %s limit", where, res)
		case req.Cmp(lim) > 0:
			t.Errorf("%s: %s request %s exceeds its limit %s", where, res, req.String(), lim.String())
		}
	}
}

// checkImage refuses an image without a tag, with an empty tag or with latest.
func checkImage(t *testing.T, w Workload, c corev1.Container) {
	t.Helper()
	where := fmt.Sprintf("%s %s container %s", w.Kind, w.Name, c.Name)
	ref := c.Image
	if ref == "" {
		t.Errorf("%s: no image", where)
		return
	}
	name, digest, _ := strings.Cut(ref, "@")
	if digest != "" && !strings.HasPrefix(digest, "sha256:") {
		t.Errorf("%s: image %q: bad digest", where, ref)
	}
	last := name[strings.LastIndex(name, "/")+1:]
	_, tag, hasTag := strings.Cut(last, ":")
	switch {
	case !hasTag || tag == "":
		t.Errorf("%s: image %q has no tag (the runtime would pull latest)", where, ref)
	case tag == "latest":
		t.Errorf("%s: image %q uses the latest tag", where, ref)
	}
	if c.ImagePullPolicy == corev1.PullAlways {
		t.Logf("%s: pullPolicy Always", where)
	}
}

// containerPort resolves a probe's or Service's port (name or number) to a
// port the container declares.
func containerPort(c corev1.Container, p intstr.IntOrString) (int32, bool) {
	for _, cp := range c.Ports {
		if p.Type == intstr.String && cp.Name == p.StrVal {
			return cp.ContainerPort, true
		}
		if p.Type == intstr.Int && cp.ContainerPort == p.IntVal {
			return cp.ContainerPort, true
		}
	}
	return 0, false
}

func checkDeploymentPod(t *testing.T, r *Rendered, d *appsv1.Deployment) {
	t.Helper()
	spec := d.Spec.Template.Spec
	if len(spec.Containers) != 1 {
		t.Errorf("Deployment %s: %d containers, want the service alone", d.Name, len(spec.Containers))
		return
	}
	c := spec.Containers[0]
	where := fmt.Sprintf("Deployment %s container %s", d.Name, c.Name)
	probes := []struct {
		kind, path string
		p          *corev1.Probe
	}{{"startup", "/healthz", c.StartupProbe}, {"liveness", "/healthz", c.LivenessProbe}, {"readiness", "/readyz", c.ReadinessProbe}}
	for _, pr := range probes {
		if pr.p == nil || pr.p.HTTPGet == nil {
			t.Errorf("%s: no HTTP %s probe", where, pr.kind)
			continue
		}
		if pr.p.HTTPGet.Path != pr.path {
			t.Errorf("%s: %s probe on %s, want %s", where, pr.kind, pr.p.HTTPGet.Path, pr.path)
		}
		if _, ok := containerPort(c, pr.p.HTTPGet.Port); !ok {
			t.Errorf("%s: %s probe port %s is not a port the container declares (%v)", where, pr.kind, pr.p.HTTPGet.Port.String(), c.Ports)
		}
	}
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		if _, dup := env[e.Name]; dup {
			t.Errorf("%s: env %s set twice", where, e.Name)
		}
		env[e.Name] = e
	}
	if e, ok := env["POD_NAME"]; !ok || e.ValueFrom == nil || e.ValueFrom.FieldRef == nil || e.ValueFrom.FieldRef.FieldPath != "metadata.name" {
		t.Errorf("%s: POD_NAME must come from metadata.name through the downward API (the stream consumer name), got %+v", where, e)
	}
	// The listen address must be a port the probes and the Service reach.
	if addr, ok := lookupEnv(r, c, "HTTP_ADDR"); ok {
		_, port, err := splitPort(addr)
		if err != nil {
			t.Errorf("%s: HTTP_ADDR=%q: %v", where, addr, err)
		} else if _, ok := containerPort(c, intstr.FromInt32(port)); !ok {
			t.Errorf("%s: HTTP_ADDR=%q listens on a port the container does not declare (%v)", where, addr, c.Ports)
		}
	} else {
		t.Errorf("%s: HTTP_ADDR is not set (the default :8080 would be implicit)", where)
	}
	// Grace period: preStop sleep, then SIGTERM and at most SHUTDOWN_TIMEOUT of draining.
	shutdown := 20 * time.Second
	if v, ok := lookupEnv(r, c, "SHUTDOWN_TIMEOUT"); ok {
		var err error
		if shutdown, err = time.ParseDuration(v); err != nil {
			t.Errorf("%s: SHUTDOWN_TIMEOUT=%q: %v", where, v, err)
		}
	}
	var preStop time.Duration
	if c.Lifecycle != nil && c.Lifecycle.PreStop != nil {
		if c.Lifecycle.PreStop.Sleep == nil {
			t.Errorf("%s: preStop must be a sleep action (the image has no shell)", where)
		} else {
			preStop = time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
		}
	}
	if spec.TerminationGracePeriodSeconds == nil {
		t.Errorf("%s: no terminationGracePeriodSeconds", where)
	} else if grace := time.Duration(*spec.TerminationGracePeriodSeconds) * time.Second; grace <= shutdown+preStop {
		t.Errorf("%s: terminationGracePeriodSeconds %s must exceed SHUTDOWN_TIMEOUT %s plus the preStop sleep %s", where, grace, shutdown, preStop)
	}
	// A read-only root filesystem still needs a writable /tmp.
	hasTmp := false
	for _, m := range c.VolumeMounts {
		hasTmp = hasTmp || m.MountPath == "/tmp"
	}
	if !hasTmp {
		t.Errorf("%s: no writable /tmp volume", where)
	}
	if len(c.Command) > 0 {
		t.Errorf("%s: command %v overrides the image's entrypoint (the Dockerfile check covers the entrypoint only)", where, c.Command)
	}
	if len(spec.TopologySpreadConstraints) == 0 {
		t.Errorf("Deployment %s: no topologySpreadConstraints", d.Name)
	}
	for _, tsc := range spec.TopologySpreadConstraints {
		sel, err := metav1.LabelSelectorAsSelector(tsc.LabelSelector)
		if err != nil || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			t.Errorf("Deployment %s: topology spread on %s does not select its own pods", d.Name, tsc.TopologyKey)
		}
	}
}

// lookupEnv resolves a literal or ConfigMap-backed variable of c from the rendering.
func lookupEnv(r *Rendered, c corev1.Container, name string) (string, bool) {
	for _, e := range c.Env {
		if e.Name != name {
			continue
		}
		if e.ValueFrom == nil {
			return e.Value, true
		}
		if ref := e.ValueFrom.ConfigMapKeyRef; ref != nil {
			if cm := r.configMap(ref.Name); cm != nil {
				v, ok := cm.Data[ref.Key]
				return v, ok
			}
		}
		return "", false
	}
	return "", false
}

func splitPort(addr string) (string, int32, error) {
	i := strings.LastIndex(addr, ":")
	if i < 0 {
		return "", 0, fmt.Errorf("no port")
	}
	p, err := strconv.ParseInt(addr[i+1:], 10, 32)
	if err != nil {
		return "", 0, err
	}
	return addr[:i], int32(p), nil
}

// checkEnvReferences: every ConfigMap key a pod reads is rendered; Secrets are
// referenced, never rendered by the chart.
func checkEnvReferences(t *testing.T, r *Rendered, w Workload) {
	t.Helper()
	for _, c := range w.Template.Spec.Containers {
		for _, e := range c.Env {
			if e.ValueFrom == nil {
				continue
			}
			if ref := e.ValueFrom.ConfigMapKeyRef; ref != nil {
				cm := r.configMap(ref.Name)
				if cm == nil {
					t.Errorf("%s %s: env %s reads ConfigMap %s, which is not rendered", w.Kind, w.Name, e.Name, ref.Name)
				} else if _, ok := cm.Data[ref.Key]; !ok {
					t.Errorf("%s %s: env %s reads key %s missing from ConfigMap %s", w.Kind, w.Name, e.Name, ref.Key, ref.Name)
				}
			}
			if ref := e.ValueFrom.SecretKeyRef; ref != nil && (ref.Name == "" || ref.Key == "") {
				t.Errorf("%s %s: env %s: a secretKeyRef without a name or key", w.Kind, w.Name, e.Name)
			}
		}
		if len(c.EnvFrom) > 0 {
			t.Errorf("%s %s: envFrom hides which variables a container gets; list them", w.Kind, w.Name)
		}
	}
}

// deploymentsSelectedBy returns the Deployments whose pods sel matches.
func deploymentsSelectedBy(r *Rendered, sel labels.Selector) []*appsv1.Deployment {
	var out []*appsv1.Deployment
	for _, d := range r.Deployments {
		if sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			out = append(out, d)
		}
	}
	return out
}

func checkServices(t *testing.T, r *Rendered) {
	t.Helper()
	for _, s := range r.Services {
		if len(s.Spec.Selector) == 0 {
			t.Errorf("Service %s: no selector", s.Name)
			continue
		}
		ds := deploymentsSelectedBy(r, labels.SelectorFromSet(s.Spec.Selector))
		if len(ds) != 1 {
			t.Errorf("Service %s: selector %v matches %d Deployments' pods, want 1", s.Name, s.Spec.Selector, len(ds))
			continue
		}
		c := ds[0].Spec.Template.Spec.Containers[0]
		for _, p := range s.Spec.Ports {
			if _, ok := containerPort(c, p.TargetPort); !ok {
				t.Errorf("Service %s: targetPort %s is not a port Deployment %s declares", s.Name, p.TargetPort.String(), ds[0].Name)
			}
		}
	}
	// Every Deployment is reachable through a Service.
	for _, d := range r.Deployments {
		found := false
		for _, s := range r.Services {
			found = found || labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels))
		}
		if !found {
			t.Errorf("Deployment %s: no Service selects its pods", d.Name)
		}
	}
}

func checkPDBs(t *testing.T, r *Rendered) {
	t.Helper()
	for _, p := range r.PDBs {
		sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
		if err != nil || sel.Empty() {
			t.Errorf("PodDisruptionBudget %s: selector %v: %v", p.Name, p.Spec.Selector, err)
			continue
		}
		ds := deploymentsSelectedBy(r, sel)
		if len(ds) != 1 {
			t.Errorf("PodDisruptionBudget %s: selector %s matches %d Deployments' pods, want 1", p.Name, sel, len(ds))
			continue
		}
		if (p.Spec.MinAvailable == nil) == (p.Spec.MaxUnavailable == nil) {
			t.Errorf("PodDisruptionBudget %s: set exactly one of minAvailable and maxUnavailable", p.Name)
		}
		// A budget that allows no eviction blocks every node drain.
		replicas := int32(1)
		if ds[0].Spec.Replicas != nil {
			replicas = *ds[0].Spec.Replicas
		}
		for _, h := range r.HPAs {
			if h.Spec.ScaleTargetRef.Name == ds[0].Name && h.Spec.MinReplicas != nil {
				replicas = *h.Spec.MinReplicas
			}
		}
		if m := p.Spec.MinAvailable; m != nil && m.Type == intstr.Int && m.IntVal >= replicas {
			t.Errorf("PodDisruptionBudget %s: minAvailable %d with %d replicas allows no eviction", p.Name, m.IntVal, replicas)
		}
		if m := p.Spec.MaxUnavailable; m != nil && m.Type == intstr.Int && m.IntVal < 1 {
			t.Errorf("PodDisruptionBudget %s: maxUnavailable %d allows no eviction", p.Name, m.IntVal)
		}
	}
}

func checkHPAs(t *testing.T, r *Rendered) {
	t.Helper()
	for _, h := range r.HPAs {
		ref := h.Spec.ScaleTargetRef
		var target *appsv1.Deployment
		for _, d := range r.Deployments {
			if ref.Kind == "Deployment" && d.Name == ref.Name {
				target = d
			}
		}
		if target == nil {
			t.Errorf("HorizontalPodAutoscaler %s: scales %s %s, which is not rendered", h.Name, ref.Kind, ref.Name)
			continue
		}
		if target.Spec.Replicas != nil {
			t.Errorf("Deployment %s sets replicas although HorizontalPodAutoscaler %s owns them (each upgrade would reset the scale)", target.Name, h.Name)
		}
		if h.Spec.MinReplicas != nil && *h.Spec.MinReplicas > h.Spec.MaxReplicas {
			t.Errorf("HorizontalPodAutoscaler %s: minReplicas > maxReplicas", h.Name)
		}
		for _, c := range target.Spec.Template.Spec.Containers {
			if _, ok := c.Resources.Requests[corev1.ResourceCPU]; !ok {
				t.Errorf("HorizontalPodAutoscaler %s scales on CPU but container %s requests none", h.Name, c.Name)
			}
		}
	}
}

// checkNetworkPolicies: every workload is selected by a policy of both types,
// every ingress source and egress destination is named, and named ports exist.
func checkNetworkPolicies(t *testing.T, r *Rendered) {
	t.Helper()
	for _, w := range r.Workloads() {
		var selecting []*networkingv1.NetworkPolicy
		for _, np := range r.NetworkPolicies {
			sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
			if err != nil {
				t.Errorf("NetworkPolicy %s: %v", np.Name, err)
				continue
			}
			if !sel.Empty() && sel.Matches(labels.Set(w.Template.Labels)) {
				selecting = append(selecting, np)
			}
		}
		if len(selecting) == 0 {
			t.Errorf("%s %s: no NetworkPolicy selects its pods", w.Kind, w.Name)
			continue
		}
		var ingress, egress bool
		for _, np := range selecting {
			ingress = ingress || slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress)
			egress = egress || slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
			for _, rule := range np.Spec.Ingress {
				if len(rule.From) == 0 {
					t.Errorf("NetworkPolicy %s: an ingress rule without sources admits everyone", np.Name)
				}
				checkPolicyPorts(t, np.Name, w, rule.Ports)
			}
			for _, rule := range np.Spec.Egress {
				if len(rule.To) == 0 {
					t.Errorf("NetworkPolicy %s: an egress rule without destinations allows every destination", np.Name)
				}
				if len(rule.Ports) == 0 {
					t.Errorf("NetworkPolicy %s: an egress rule without ports allows every port", np.Name)
				}
			}
		}
		if !ingress || !egress {
			t.Errorf("%s %s: its NetworkPolicies must restrict both Ingress and Egress", w.Kind, w.Name)
		}
	}
}

func checkPolicyPorts(t *testing.T, np string, w Workload, ports []networkingv1.NetworkPolicyPort) {
	t.Helper()
	for _, p := range ports {
		if p.Port == nil || p.Port.Type != intstr.String {
			continue
		}
		found := false
		for _, c := range w.Template.Spec.Containers {
			_, ok := containerPort(c, *p.Port)
			found = found || ok
		}
		if !found {
			t.Errorf("NetworkPolicy %s: port %q is not a port %s %s declares", np, p.Port.StrVal, w.Kind, w.Name)
		}
	}
}

func checkIngresses(t *testing.T, r *Rendered) {
	t.Helper()
	for _, ing := range r.Ingresses {
		for _, rule := range ing.Spec.Rules {
			if rule.HTTP == nil {
				t.Errorf("Ingress %s: host %s has no paths", ing.Name, rule.Host)
				continue
			}
			for _, p := range rule.HTTP.Paths {
				be := p.Backend.Service
				if be == nil {
					t.Errorf("Ingress %s: %s has no Service backend", ing.Name, p.Path)
					continue
				}
				svc := r.service(be.Name)
				if svc == nil {
					t.Errorf("Ingress %s: %s goes to Service %s, which is not rendered", ing.Name, p.Path, be.Name)
					continue
				}
				found := false
				for _, sp := range svc.Spec.Ports {
					found = found || (be.Port.Name != "" && sp.Name == be.Port.Name) || (be.Port.Number != 0 && sp.Port == be.Port.Number)
				}
				if !found {
					t.Errorf("Ingress %s: %s goes to port %v, which Service %s does not have", ing.Name, p.Path, be.Port, be.Name)
				}
			}
		}
	}
}

func checkServiceMonitors(t *testing.T, r *Rendered) {
	t.Helper()
	for _, sm := range r.ServiceMonitors {
		sel, err := metav1.LabelSelectorAsSelector(&sm.Spec.Selector)
		if err != nil || sel.Empty() {
			t.Errorf("ServiceMonitor %s: selector: %v", sm.Name, err)
			continue
		}
		var matched []*corev1.Service
		for _, s := range r.Services {
			if sel.Matches(labels.Set(s.Labels)) {
				matched = append(matched, s)
			}
		}
		if len(matched) == 0 {
			t.Errorf("ServiceMonitor %s selects no Service", sm.Name)
		}
		for _, ep := range sm.Spec.Endpoints {
			if ep.Path != "/metrics" {
				t.Errorf("ServiceMonitor %s: path %q, the services serve /metrics", sm.Name, ep.Path)
			}
			for _, s := range matched {
				found := false
				for _, sp := range s.Spec.Ports {
					found = found || sp.Name == ep.Port
				}
				if !found {
					t.Errorf("ServiceMonitor %s: port %q is not a port of Service %s", sm.Name, ep.Port, s.Name)
				}
			}
		}
	}
}

// TestIngressRoutes checks where each public path goes: the site, console
// and API to the gateway, /embed and /badge straight to dashboards
// (separately when asked), nothing else.
func TestIngressRoutes(t *testing.T) {
	want := map[string]string{"/": "kept-gateway", "/embed": "kept-dashboards", "/badge": "kept-dashboards"}
	for _, vs := range valueSets[1:] {
		t.Run(vs.name, func(t *testing.T) {
			r := render(t, vs.files)
			got := routes(r)
			if len(got) != len(want) {
				t.Errorf("Ingress paths %v, want exactly %v", got, want)
			}
			for path, svc := range want {
				if got[path] == "" {
					t.Errorf("no Ingress path %s", path)
				} else if got[path] != svc {
					t.Errorf("%s goes to %s, want %s", path, got[path], svc)
				}
			}
		})
	}
	r := render(t, []string{"deploy/values-production.yaml"})
	for _, ing := range r.Ingresses {
		for _, rule := range ing.Spec.Rules {
			for _, p := range rule.HTTP.Paths {
				embed := p.Path == "/embed" || p.Path == "/badge"
				if embed != (ing.Name == "kept-embeds") {
					t.Errorf("production: %s is on Ingress %s; embeds and badges belong on kept-embeds alone", p.Path, ing.Name)
				}
				if embed && rule.Host != "embed.kept.example.gc.ca" {
					t.Errorf("production: %s on host %s", p.Path, rule.Host)
				}
			}
		}
	}
}

func routes(r *Rendered) map[string]string {
	got := map[string]string{}
	for _, ing := range r.Ingresses {
		for _, rule := range ing.Spec.Rules {
			for _, p := range rule.HTTP.Paths {
				got[p.Path] = p.Backend.Service.Name
			}
		}
	}
	return got
}

// TestNewServiceFromValues adds a service with a values entry alone (an
// "archive" behind its own path, calling commitments): it gets every object
// and passes every check, its path is on the Ingress beside the gateway's,
// and commitments accepts its traffic because it lists it as an upstream.
func TestNewServiceFromValues(t *testing.T) {
	r := render(t, []string{"deploy/values-small.yaml"},
		`services.archive={"secretRefs":["redis","oidc"],"upstreams":{"ARCHIVE_COMMITMENTS_URL":"commitments"},"ingress":{"paths":[{"path":"/archive","pathType":"Prefix","group":"main"}]}}`,
		`secrets.oidc.existingSecret="kept-oidc"`)
	checkInvariants(t, r)
	name := "kept-archive"
	want := len(render(t, []string{"deploy/values-small.yaml"}).Deployments) + 1
	for kind, n := range map[string]int{"Deployment": len(r.Deployments), "Service": len(r.Services), "ConfigMap": len(r.ConfigMaps),
		"PodDisruptionBudget": len(r.PDBs), "ServiceAccount": len(r.ServiceAccounts)} {
		if n != want {
			t.Errorf("%d %ss, want %d (one per service)", n, kind, want)
		}
	}
	found := false
	for _, o := range r.Objects {
		found = found || (o.Kind == "NetworkPolicy" && o.Name == name)
	}
	if !found {
		t.Errorf("no NetworkPolicy %s", name)
	}
	got := routes(r)
	if got["/archive"] != name || got["/"] != "kept-gateway" || got["/embed"] != "kept-dashboards" {
		t.Errorf("routes %v: want /archive to the new service, / to the gateway and embeds to dashboards", got)
	}
	var gw *appsv1.Deployment
	for _, d := range r.Deployments {
		if d.Name == name {
			gw = d
		}
	}
	if gw == nil {
		t.Fatal("no Deployment for the new service")
	}
	envs := map[string]bool{}
	for _, e := range gw.Spec.Template.Spec.Containers[0].Env {
		envs[e.Name] = true
	}
	if !envs["OIDC_CLIENT_SECRET"] || !envs["REDIS_URL"] || envs["MONGODB_URI"] || !envs["ARCHIVE_COMMITMENTS_URL"] {
		t.Errorf("env %v: want exactly its secretRefs (redis, oidc) and its upstream", envs)
	}
	// The commitments policy admits the new service's pods (and, as
	// before, the gateway's).
	for _, np := range r.NetworkPolicies {
		if np.Name != "kept-commitments" {
			continue
		}
		admits := false
		for _, rule := range np.Spec.Ingress {
			for _, from := range rule.From {
				if from.PodSelector != nil && from.NamespaceSelector == nil {
					sel, _ := metav1.LabelSelectorAsSelector(from.PodSelector)
					admits = admits || sel.Matches(labels.Set(gw.Spec.Template.Labels))
				}
			}
		}
		if !admits {
			t.Errorf("NetworkPolicy kept-commitments does not admit the pods of %s, which calls it", name)
		}
	}
}

// TestRedisSentinelEgress: in sentinel mode the policies also open the Sentinel port.
func TestRedisSentinelEgress(t *testing.T) {
	r := render(t, []string{"deploy/values-small.yaml"}, `redis.mode="sentinel"`)
	checkInvariants(t, r)
	for _, np := range r.NetworkPolicies {
		if np.Name == "kept-bootstrap-admin-token" {
			continue
		}
		has := false
		for _, rule := range np.Spec.Egress {
			for _, p := range rule.Ports {
				has = has || (p.Port != nil && p.Port.IntValue() == 26379)
			}
		}
		if !has {
			t.Errorf("NetworkPolicy %s: no egress to the Sentinels (26379)", np.Name)
		}
	}
}

// TestChartRefuses: values the chart must reject, each with a message that
// says what to fix.
func TestChartRefuses(t *testing.T) {
	cases := []struct {
		name, set, want string
	}{
		{"latest tag", `image.tag="latest"`, "latest"},
		{"latest service tag", `services.updates.image.tag="latest"`, "latest"},
		{"unknown key", `services.updates.replica=3`, "replica"},
		{"unknown top-level key", `mongo={"uri":"x"}`, "mongo"},
		{"grace period too short", `services.updates.terminationGracePeriodSeconds=20`, "must exceed"},
		{"egress without peers", `networkPolicy.egress.mongodb.to=[]`, "allows every destination"},
		{"unknown secret", `services.updates.secretRefs=["mongodb","redis","vault"]`, "vault"},
		{"secret without a name", `services.updates.secretRefs=["mongodb","redis","smtp"]`, "secrets.smtp.existingSecret"},
		{"config sets a secret", `config.MONGODB_URI="mongodb://x"`, "MONGODB_URI"},
		{"no MongoDB secret", `mongodb.existingSecret=""`, "existingSecret"},
		{"root", `podSecurityContext.runAsNonRoot=false`, "runAsNonRoot"},
		{"writable root", `containerSecurityContext.readOnlyRootFilesystem=false`, "readOnlyRootFilesystem"},
		{"no limits", `serviceDefaults.resources.limits=null`, "limits"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := tryRender(t, nil, c.set)
			if err == nil {
				t.Fatalf("rendered with %s; want a refusal", c.set)
			}
			t.Logf("refused: %v", err)
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("refused with %v; want a message naming %q", err, c.want)
			}
		})
	}
}

// TestPerServiceMongoSecret: one service's database may live elsewhere.
func TestPerServiceMongoSecret(t *testing.T) {
	r := render(t, []string{"deploy/values-small.yaml"}, `services.updates.mongodb={"existingSecret":"kept-updates-mongodb","uriKey":"connection"}`)
	checkInvariants(t, r)
	for _, d := range r.Deployments {
		for _, e := range d.Spec.Template.Spec.Containers[0].Env {
			if e.Name != "MONGODB_URI" {
				continue
			}
			ref := e.ValueFrom.SecretKeyRef
			want := "kept-mongodb/uri"
			if d.Name == "kept-updates" {
				want = "kept-updates-mongodb/connection"
			}
			if got := ref.Name + "/" + ref.Key; got != want {
				t.Errorf("Deployment %s: MONGODB_URI from %s, want %s", d.Name, got, want)
			}
		}
	}
}

// TestUpstreamURLsResolve: every in-cluster URL the chart hands a service
// (the gateway's GATEWAY_*_URL, notifications' NOTIFY_QA_URL) names a
// Service of the release on a port it declares, and the caller's
// NetworkPolicy lets it out to that service's pods.
func TestUpstreamURLsResolve(t *testing.T) {
	for _, vs := range valueSets {
		t.Run(vs.name, func(t *testing.T) {
			r := render(t, vs.files)
			ports := map[string]map[int32]bool{}
			for _, s := range r.Services {
				ports[s.Name] = map[int32]bool{}
				for _, p := range s.Spec.Ports {
					ports[s.Name][p.Port] = true
				}
			}
			found := 0
			for _, c := range r.ConfigMaps {
				for k, v := range c.Data {
					host, port, ok := strings.Cut(strings.TrimPrefix(v, "http://"), ":")
					if !strings.HasSuffix(k, "_URL") || !strings.HasPrefix(v, "http://kept-") || !ok {
						continue
					}
					found++
					n, err := strconv.Atoi(port)
					if err != nil || ports[host] == nil || !ports[host][int32(n)] {
						t.Errorf("ConfigMap %s: %s=%s names no Service port of the release", c.Name, k, v)
					}
				}
			}
			if found < 7 {
				t.Errorf("%d upstream URLs, want the gateway's six and notifications' one", found)
			}
		})
	}
}
