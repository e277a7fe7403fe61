// Package charttest renders the Helm chart in deploy/helm/logateway with Helm's
// Go SDK and decodes every object strictly into the Kubernetes API types, so a
// typo in a template or a field that does not exist fails here, not in a
// cluster. It is its own module so the gateway's go.mod stays free of Helm and
// Kubernetes.
package charttest

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"

	"github.com/logateway/logateway/config"
)

const chartDir = "../logateway"

// rendered is one chart rendering: the manifest text and the decoded objects.
type rendered struct {
	text        string
	deployments []*appsv1.Deployment
	services    []*corev1.Service
	configMaps  []*corev1.ConfigMap
	accounts    []*corev1.ServiceAccount
	ingresses   []*networkingv1.Ingress
	pdbs        []*policyv1.PodDisruptionBudget
	hpas        []*autoscalingv2.HorizontalPodAutoscaler
}

func load(t *testing.T) *chart.Chart {
	t.Helper()
	ch, err := loader.Load(chartDir)
	if err != nil {
		t.Fatalf("load chart: %v", err)
	}
	return ch
}

func render(t *testing.T, valuesFile string) (*rendered, error) {
	t.Helper()
	ch := load(t)
	vals, err := chartutil.ReadValuesFile(valuesFile)
	if err != nil {
		t.Fatalf("%s: %v", valuesFile, err)
	}
	rv, err := chartutil.ToRenderValues(ch, vals, chartutil.ReleaseOptions{Name: "logateway", Namespace: "default", Revision: 1, IsInstall: true}, chartutil.DefaultCapabilities)
	if err != nil {
		t.Fatalf("values: %v", err)
	}
	files, err := engine.Render(ch, rv)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		if strings.HasSuffix(n, ".yaml") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	r := &rendered{}
	var b strings.Builder
	for _, n := range names {
		for _, doc := range strings.Split(files[n], "\n---") {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			b.WriteString("---\n# Source: " + strings.TrimPrefix(n, "logateway/") + "\n" + strings.TrimLeft(doc, "\n") + "\n")
			r.decode(t, n, []byte(doc))
		}
	}
	r.text = b.String()
	return r, nil
}

// decode reads one object strictly: unknown or duplicate fields are failures.
func (r *rendered) decode(t *testing.T, file string, doc []byte) {
	t.Helper()
	var head struct{ APIVersion, Kind string }
	if err := yaml.Unmarshal(doc, &head); err != nil {
		t.Fatalf("%s: not YAML: %v\n%s", file, err, doc)
	}
	var err error
	switch head.APIVersion + " " + head.Kind {
	case "apps/v1 Deployment":
		err = decodeInto(doc, &r.deployments)
	case "v1 Service":
		err = decodeInto(doc, &r.services)
	case "v1 ConfigMap":
		err = decodeInto(doc, &r.configMaps)
	case "v1 ServiceAccount":
		err = decodeInto(doc, &r.accounts)
	case "networking.k8s.io/v1 Ingress":
		err = decodeInto(doc, &r.ingresses)
	case "policy/v1 PodDisruptionBudget":
		err = decodeInto(doc, &r.pdbs)
	case "autoscaling/v2 HorizontalPodAutoscaler":
		err = decodeInto(doc, &r.hpas)
	default:
		t.Errorf("%s: %s %s is not a kind this test knows; add it", file, head.APIVersion, head.Kind)
	}
	if err != nil {
		t.Errorf("%s: %s %s does not decode strictly: %v\n%s", file, head.APIVersion, head.Kind, err, doc)
	}
}

// decodeInto decodes doc strictly into a new T and appends it to list.
func decodeInto[T any](doc []byte, list *[]*T) error {
	o := new(T)
	if err := yaml.UnmarshalStrict(doc, o); err != nil {
		return err
	}
	*list = append(*list, o)
	return nil
}

// checkCommon holds for every rendering: probes, non-root, read-only root, a
// config the gateway accepts.
func (r *rendered) checkCommon(t *testing.T) {
	t.Helper()
	if len(r.deployments) != 1 || len(r.services) != 1 || len(r.configMaps) != 1 {
		t.Fatalf("want one Deployment, Service and ConfigMap, got %d, %d, %d", len(r.deployments), len(r.services), len(r.configMaps))
	}
	pod := r.deployments[0].Spec.Template.Spec
	c := pod.Containers[0]
	if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/__lo/healthz" {
		t.Errorf("liveness probe: want GET /__lo/healthz, got %+v", c.LivenessProbe)
	}
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/__lo/readyz" {
		t.Errorf("readiness probe: want GET /__lo/readyz, got %+v", c.ReadinessProbe)
	}
	if sc := pod.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		t.Error("want runAsNonRoot: true on the pod")
	}
	if sc := c.SecurityContext; sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Error("want readOnlyRootFilesystem: true and allowPrivilegeEscalation: false on the container")
	}
	if strings.Join(c.Args, " ") != "serve --require-config" {
		t.Errorf("container args: want serve --require-config (never dev mode), got %q", c.Args)
	}
	// The ConfigMap's config must be one the gateway loads (secrets aside: they
	// are in Secrets the cluster has, not here).
	dir := t.TempDir()
	p := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(p, []byte(r.configMaps[0].Data["config.yaml"]), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadWith(p, func(string) string { return "" }, config.Options{NoSecrets: true})
	if err != nil {
		t.Fatalf("the ConfigMap's config.yaml does not load:\n%v", err)
	}
	if cfg.Listen != ":8080" {
		t.Errorf("listen: want :8080 (the container port), got %q", cfg.Listen)
	}
	// Every *_env the config names is set from a Secret.
	set := map[string]bool{}
	for _, e := range c.Env {
		set[e.Name] = e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil
	}
	for _, name := range []string{cfg.Session.KeysEnv, cfg.Sites[0].ECA.ClientSecretEnv, cfg.Session.Redis.PasswordEnv} {
		if name != "" && !set[name] {
			t.Errorf("the config reads %s, which the pod does not get from a Secret", name)
		}
	}
}

func TestChartDefaultValues(t *testing.T) {
	r, err := render(t, filepath.Join(chartDir, "ci", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r.checkCommon(t)
	if len(r.pdbs) != 0 || len(r.hpas) != 0 || len(r.ingresses) != 0 {
		t.Errorf("one replica: want no PDB, HPA or Ingress, got %d, %d, %d", len(r.pdbs), len(r.hpas), len(r.ingresses))
	}
	if n := *r.deployments[0].Spec.Replicas; n != 1 {
		t.Errorf("replicas: want 1, got %d", n)
	}
	checkManifest(t, "logateway.yaml", r.text)
}

func TestChartHighAvailabilityWithRedis(t *testing.T) {
	r, err := render(t, filepath.Join(chartDir, "ci", "ha-redis.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r.checkCommon(t)
	if len(r.pdbs) != 1 || len(r.hpas) != 1 || len(r.ingresses) != 1 {
		t.Fatalf("want a PDB, an HPA and an Ingress, got %d, %d, %d", len(r.pdbs), len(r.hpas), len(r.ingresses))
	}
	if r.deployments[0].Spec.Replicas != nil {
		t.Error("with the HPA on, the Deployment must leave replicas to it")
	}
	if img := r.deployments[0].Spec.Template.Spec.Containers[0].Image; !strings.Contains(img, "@sha256:") {
		t.Errorf("image.digest set: want the image pinned by digest, got %q", img)
	}
	checkManifest(t, "logateway-ha-redis.yaml", r.text)
}

func TestChartRefusesSeveralReplicasWithoutRedis(t *testing.T) {
	_, err := render(t, filepath.Join(chartDir, "ci", "bad-replicas-memory.yaml"))
	if err == nil || !strings.Contains(err.Error(), "config.session.store: redis") {
		t.Fatalf("want the chart to refuse 2 replicas on the memory store naming config.session.store, got %v", err)
	}
}

// checkManifest compares a rendering with the plain manifests committed under
// deploy/kubernetes (LOGATEWAY_UPDATE_MANIFESTS=1 rewrites them).
func checkManifest(t *testing.T, name, text string) {
	t.Helper()
	p := filepath.Join("..", "..", "kubernetes", name)
	want := []byte("# Rendered from deploy/helm/logateway by deploy/helm/test (LOGATEWAY_UPDATE_MANIFESTS=1 go test).\n# Do not edit: change the chart and re-render.\n" + text)
	if os.Getenv("LOGATEWAY_UPDATE_MANIFESTS") != "" {
		if err := os.WriteFile(p, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(p)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("%s is stale or missing (%v): run LOGATEWAY_UPDATE_MANIFESTS=1 go test ./... in deploy/helm/test", p, err)
	}
}
