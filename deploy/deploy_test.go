// Package deploy holds the deployment files (compose, Kubernetes, nginx, Prometheus, Grafana).
// Its test is the linter: no Docker engine or cluster runs here, so it parses every manifest
// and checks that every name one object refers to exists.
package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

type obj = map[string]any

func get(o any, path ...string) any {
	for _, p := range path {
		m, ok := o.(obj)
		if !ok {
			return nil
		}
		o = m[p]
	}
	return o
}

func str(o any, path ...string) string { s, _ := get(o, path...).(string); return s }
func list(o any, path ...string) []any { l, _ := get(o, path...).([]any); return l }
func dict(o any, path ...string) obj   { m, _ := get(o, path...).(obj); return m }

// readDocs parses every YAML document of a file.
func readDocs(t *testing.T, path string) []obj {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var out []obj
	for {
		var d obj
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if d != nil {
			out = append(out, d)
		}
	}
}

// urlHosts returns the hosts of a host:port list such as redis+cluster://a:1,b:2 or a:9000.
func urlHosts(v string) []string {
	if i := strings.Index(v, "://"); i >= 0 {
		v = v[i+3:]
	}
	v, _, _ = strings.Cut(v, "/")
	var out []string
	for _, hp := range strings.Split(v, ",") {
		if h, _, err := net.SplitHostPort(hp); err == nil {
			out = append(out, h)
		}
	}
	return out
}

func subset(sel, labels obj) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func TestKubernetesManifests(t *testing.T) {
	files, _ := filepath.Glob("k8s/*.yaml")
	if len(files) == 0 {
		t.Fatal("no manifests in k8s/")
	}
	byKind := map[string]map[string]obj{}
	for _, f := range files {
		for _, d := range readDocs(t, f) {
			kind, name := str(d, "kind"), str(d, "metadata", "name")
			if str(d, "apiVersion") == "" || kind == "" || name == "" {
				t.Errorf("%s: a document without apiVersion, kind or metadata.name", f)
				continue
			}
			if byKind[kind] == nil {
				byKind[kind] = map[string]obj{}
			}
			if byKind[kind][name] != nil {
				t.Errorf("%s: %s %s defined twice", f, kind, name)
			}
			byKind[kind][name] = d
		}
	}
	for _, k := range []string{"StatefulSet", "Service", "ConfigMap", "Secret", "Ingress", "Job"} {
		if len(byKind[k]) == 0 {
			t.Errorf("no %s", k)
		}
	}
	// Every service's selector picks pods of a workload, and its target ports are named there.
	podPorts := map[string]map[string]bool{} // workload → container port names
	for kind, objs := range byKind {
		for name, d := range objs {
			tmpl := dict(d, "spec", "template")
			if tmpl == nil {
				continue
			}
			where := kind + " " + name
			if sel := dict(d, "spec", "selector", "matchLabels"); kind != "Job" && !subset(sel, dict(tmpl, "metadata", "labels")) {
				t.Errorf("%s: selector %v does not match its pod labels", where, sel)
			}
			if sn := str(d, "spec", "serviceName"); sn != "" && byKind["Service"][sn] == nil {
				t.Errorf("%s: serviceName %s is no Service", where, sn)
			}
			volumes := map[string]bool{}
			for _, v := range list(tmpl, "spec", "volumes") {
				volumes[str(v, "name")] = true
				if cm := str(v, "configMap", "name"); cm != "" && byKind["ConfigMap"][cm] == nil {
					t.Errorf("%s: volume from ConfigMap %s, which is not defined", where, cm)
				}
			}
			for _, v := range list(d, "spec", "volumeClaimTemplates") {
				volumes[str(v, "metadata", "name")] = true
			}
			ports := map[string]bool{}
			for _, c := range list(tmpl, "spec", "containers") {
				for _, p := range list(c, "ports") {
					ports[str(p, "name")] = true
				}
				for _, m := range list(c, "volumeMounts") {
					if !volumes[str(m, "name")] {
						t.Errorf("%s: mount of unknown volume %s", where, str(m, "name"))
					}
				}
				for _, e := range list(c, "envFrom") {
					if cm := str(e, "configMapRef", "name"); cm != "" && byKind["ConfigMap"][cm] == nil {
						t.Errorf("%s: envFrom ConfigMap %s is not defined", where, cm)
					}
				}
				for _, e := range list(c, "env") {
					if s := dict(e, "valueFrom", "secretKeyRef"); s != nil {
						sec := byKind["Secret"][str(s, "name")]
						if sec == nil || (get(sec, "stringData", str(s, "key")) == nil && get(sec, "data", str(s, "key")) == nil) {
							t.Errorf("%s: secret %s key %s is not defined", where, str(s, "name"), str(s, "key"))
						}
					}
				}
				for _, probe := range []string{"readinessProbe", "livenessProbe"} {
					for _, kindOf := range []string{"httpGet", "tcpSocket"} {
						if p, ok := get(c, probe, kindOf, "port").(string); ok && !ports[p] {
							t.Errorf("%s: %s on unknown port %s", where, probe, p)
						}
					}
				}
			}
			podPorts[kind+"/"+name] = ports
		}
	}
	services := byKind["Service"]
	for name, svc := range services {
		sel := dict(svc, "spec", "selector")
		found := false
		for kind, objs := range byKind {
			for wname, d := range objs {
				if dict(d, "spec", "template") != nil && subset(sel, dict(d, "spec", "template", "metadata", "labels")) {
					found = true
					for _, p := range list(svc, "spec", "ports") {
						if tp, ok := get(p, "targetPort").(string); ok && !podPorts[kind+"/"+wname][tp] {
							t.Errorf("Service %s: targetPort %s is not a port of %s %s", name, tp, kind, wname)
						}
					}
				}
			}
		}
		if !found {
			t.Errorf("Service %s selects no pods", name)
		}
	}
	for name, ing := range byKind["Ingress"] {
		for _, r := range list(ing, "spec", "rules") {
			for _, p := range list(r, "http", "paths") {
				svc := services[str(p, "backend", "service", "name")]
				if svc == nil {
					t.Errorf("Ingress %s: backend %s is no Service", name, str(p, "backend", "service", "name"))
					continue
				}
				port, ok := false, str(p, "backend", "service", "port", "name")
				for _, sp := range list(svc, "spec", "ports") {
					port = port || str(sp, "name") == ok
				}
				if !port {
					t.Errorf("Ingress %s: service port %s not found", name, ok)
				}
			}
		}
	}
	// The addresses livedesk is given name services (or pods of a headless one).
	cfg := dict(byKind["ConfigMap"]["livedesk-config"], "data")
	for _, k := range []string{"LIVEDESK_REDIS_URL", "LIVEDESK_CLICKHOUSE_ADDR"} {
		hosts := urlHosts(str(cfg, k))
		if len(hosts) == 0 {
			t.Errorf("livedesk-config %s: no host:port in %q", k, str(cfg, k))
		}
		for _, h := range hosts {
			parts := strings.Split(h, ".")
			if services[parts[len(parts)-1]] == nil {
				t.Errorf("livedesk-config %s: host %s is not a Service (or pod.service)", k, h)
			}
		}
	}
	if !strings.HasPrefix(str(cfg, "LIVEDESK_REDIS_URL"), "redis+cluster://") || str(cfg, "LIVEDESK_CLICKHOUSE_CLUSTER") == "" {
		t.Error("livedesk-config is not the clustered layout")
	}
	checkRemoteServers(t, str(byKind["ConfigMap"]["clickhouse-cluster"], "data", "livedesk-cluster.xml"), str(cfg, "LIVEDESK_CLICKHOUSE_CLUSTER"),
		func(h string) bool { parts := strings.Split(h, "."); return services[parts[len(parts)-1]] != nil })
}

var (
	xmlHost  = regexp.MustCompile(`<host>([^<]+)</host>`)
	upstream = regexp.MustCompile(`(?m)^\s*server\s+([^:\s;]+):\d+`)
)

// checkRemoteServers checks that the ClickHouse cluster named cluster is defined and that its
// hosts exist.
func checkRemoteServers(t *testing.T, xml, cluster string, exists func(string) bool) {
	t.Helper()
	if !strings.Contains(xml, "<remote_servers>") || !strings.Contains(xml, "<"+cluster+">") || strings.Count(xml, "<shard>") < 2 {
		t.Errorf("remote_servers does not define cluster %q with 2 or more shards:\n%s", cluster, xml)
	}
	for _, m := range xmlHost.FindAllStringSubmatch(xml, -1) {
		if !exists(m[1]) {
			t.Errorf("remote_servers host %s does not exist", m[1])
		}
	}
}

func TestComposeCluster(t *testing.T) {
	docs := readDocs(t, "cluster/compose.yml")
	if len(docs) != 1 {
		t.Fatalf("compose.yml: %d documents", len(docs))
	}
	c := docs[0]
	services := dict(c, "services")
	volumes := dict(c, "volumes")
	if len(services) == 0 {
		t.Fatal("no services")
	}
	for name, s := range services {
		if str(s, "image") == "" && get(s, "build") == nil {
			t.Errorf("service %s: no image or build", name)
		}
		var deps []string
		switch d := get(s, "depends_on").(type) {
		case []any:
			for _, x := range d {
				deps = append(deps, fmt.Sprint(x))
			}
		case obj:
			for k := range d {
				deps = append(deps, k)
			}
		}
		for _, d := range deps {
			if services[d] == nil {
				t.Errorf("service %s depends on unknown %s", name, d)
			}
		}
		for _, v := range list(s, "volumes") {
			src, _, _ := strings.Cut(fmt.Sprint(v), ":")
			if strings.HasPrefix(src, ".") {
				if _, err := os.Stat(filepath.Join("cluster", src)); err != nil {
					t.Errorf("service %s mounts %s: %v", name, src, err)
				}
			} else if _, ok := volumes[src]; !ok {
				t.Errorf("service %s mounts undeclared volume %s", name, src)
			}
		}
		if b, ok := get(s, "build").(string); ok {
			if _, err := os.Stat(filepath.Join("cluster", b, "Dockerfile")); err != nil {
				t.Errorf("service %s builds %s: %v", name, b, err)
			}
		}
		env := dict(s, "environment")
		for _, k := range []string{"LIVEDESK_REDIS_URL", "LIVEDESK_CLICKHOUSE_ADDR"} {
			for _, h := range urlHosts(str(env, k)) {
				if services[h] == nil {
					t.Errorf("service %s %s: host %s is not a service", name, k, h)
				}
			}
		}
		if str(env, "LIVEDESK_ADDR") != "" && (!strings.HasPrefix(str(env, "LIVEDESK_REDIS_URL"), "redis+cluster://") || str(env, "LIVEDESK_CLICKHOUSE_CLUSTER") == "") {
			t.Errorf("service %s is not configured for the clustered layout", name)
		}
	}
	conf, err := os.ReadFile("cluster/nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	ups := upstream.FindAllStringSubmatch(string(conf), -1)
	if len(ups) < 2 || !strings.Contains(string(conf), "proxy_set_header Upgrade $http_upgrade") {
		t.Errorf("nginx.conf: %d upstreams and no websocket upgrade", len(ups))
	}
	for _, m := range ups {
		if services[m[1]] == nil {
			t.Errorf("nginx.conf upstream %s is not a service", m[1])
		}
	}
	xml, err := os.ReadFile("cluster/clickhouse-cluster.xml")
	if err != nil {
		t.Fatal(err)
	}
	cluster := str(dict(services["livedesk-1"], "environment"), "LIVEDESK_CLICKHOUSE_CLUSTER")
	checkRemoteServers(t, string(xml), cluster, func(h string) bool { return services[h] != nil })
}
