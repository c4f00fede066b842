package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pier-engine/pier/internal/events"
)

// events' three outputs: podman's line, podman's JSON shape (time and
// timeNano) and a template named after the command.
func TestEventPrinter(t *testing.T) {
	e, err := events.FromJSONString(`{"ContainerExitCode":3,"ID":"0123456789abcdef","Image":"img","Name":"c","Status":"died","Time":"2026-11-30T06:58:24.411689014Z","Type":"container","Attributes":{"k":"v"}}`)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	p, _ := eventPrinter(&b, "", false, false)
	_ = p(e)
	if got := b.String(); got != "2026-11-30 06:58:24.411689014 +0000 UTC container died 0123456789abcdef (image=img, name=c, k=v)\n" {
		t.Errorf("line: %q", got)
	}
	b.Reset()
	p, _ = eventPrinter(&b, "json", true, false)
	_ = p(e)
	if got := b.String(); got != `{"ContainerExitCode":3,"ID":"0123456789abcdef","Image":"img","Name":"c","Status":"died","time":1796021904,"timeNano":1796021904411689014,"Type":"container","Attributes":{"k":"v"}}`+"\n" {
		t.Errorf("json: %s", got)
	}
	b.Reset()
	p, _ = eventPrinter(&b, `{{.Status}}\t{{.Attributes.k}} {{.ContainerExitCode}}`, true, false)
	_ = p(e)
	if got := b.String(); got != "died\tv 3\n" {
		t.Errorf("template: %q", got)
	}
	p, _ = eventPrinter(&b, "{{.Foo}}", true, false)
	if err := p(e); err == nil || !strings.HasPrefix(err.Error(), `template: events:1:2: executing "events" at <.Foo>`) {
		t.Errorf("template error: %v", err)
	}
}
