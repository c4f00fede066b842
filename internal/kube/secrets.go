package kube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	v1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
)

// storeSecrets stores the YAML's Secrets in pier's secret store, as
// podman does (the whole object, replacing one of the same name), and
// returns their IDs.
func storeSecrets(ctx context.Context, rt *engine.Runtime, secrets []v1.Secret) ([]string, error) {
	var ids []string
	for i := range secrets {
		s := &secrets[i]
		data, err := yaml.Marshal(s)
		if err != nil {
			return ids, err
		}
		id, err := rt.SecretCreate(ctx, s.Name, data, engine.SecretCreateOptions{Replace: true})
		if err != nil {
			return ids, fmt.Errorf("creating secret %s: %w", s.Name, err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// loadStoreSecrets adds to objs the secrets its pods name that the YAML
// does not define, from pier's secret store (a Secret played before, or
// one made with `secret create` holding JSON or a Secret's YAML). Missing
// ones are left for the translation to report (or skip when optional).
func loadStoreSecrets(ctx context.Context, rt *engine.Runtime, objs *Objects) error {
	have := map[string]bool{}
	for _, s := range objs.Secrets {
		have[s.Name] = true
	}
	for _, name := range referencedSecrets(objs) {
		if have[name] {
			continue
		}
		have[name] = true
		rep, err := rt.SecretInspect(ctx, name, true)
		if errors.Is(err, define.ErrNoSuchSecret) {
			continue
		}
		if err != nil {
			return err
		}
		s, err := secretFromData(name, []byte(rep.SecretData))
		if err != nil {
			return err
		}
		objs.Secrets = append(objs.Secrets, *s)
	}
	return nil
}

// secretFromData reads a stored secret as podman does: a JSON object of
// keys to (base64) values, else a Kubernetes Secret in YAML.
func secretFromData(name string, data []byte) (*v1.Secret, error) {
	s := &v1.Secret{}
	var m map[string][]byte
	if err := json.Unmarshal(data, &m); err == nil {
		s.Data = m
	} else if err := yaml.Unmarshal(data, s); err != nil {
		return nil, fmt.Errorf("secret %v is not valid JSON/YAML: %v", name, err)
	}
	s.Name = name
	return s, nil
}

// referencedSecrets are the secrets the workloads' env and volumes name.
func referencedSecrets(objs *Objects) []string {
	var out []string
	for _, w := range objs.Workloads {
		spec := &w.Template.Spec
		for _, v := range spec.Volumes {
			if v.Secret != nil {
				out = append(out, v.Secret.SecretName)
			}
		}
		for _, c := range append(append([]v1.Container{}, spec.InitContainers...), spec.Containers...) {
			for _, ef := range c.EnvFrom {
				if ef.SecretRef != nil {
					out = append(out, ef.SecretRef.Name)
				}
			}
			for _, e := range c.Env {
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					out = append(out, e.ValueFrom.SecretKeyRef.Name)
				}
			}
		}
	}
	return out
}
