package monitor

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/pier-engine/pier/internal/logs"
)

// LogJournald sends the container's output to the systemd journal.
const LogJournald = "journald"

// logSink is where the container's output is recorded: the k8s-file log
// or the journal.
type logSink interface {
	Write(stream string, p []byte) error
	Close() error
}

// journaldSink writes one journal entry per line with conmon's fields:
// MESSAGE (the line with its newline), PRIORITY 6 (stdout) or 3 (stderr), CONTAINER_ID (12
// characters), CONTAINER_ID_FULL, CONTAINER_NAME, CONTAINER_TAG with a
// tag, and SYSLOG_IDENTIFIER (the tag, else the name). A line longer than
// the buffer goes out in pieces marked CONTAINER_PARTIAL_MESSAGE=true, as
// does a last line without its newline. `pier logs` and `podman logs`
// read these entries by CONTAINER_ID_FULL.
type journaldSink struct {
	fields  map[string]string
	pending map[string][]byte // per stream, a line not finished yet
	// failing is set while the journal refuses entries: only the first
	// failure of a run of them is reported, so that a chatty container
	// without journald does not fill the monitor's error log.
	failing bool
	fd      int // the datagram socket to journald, -1 until the first entry
}

// journalLineMax is how much of an unfinished line is held before it is
// sent as a partial entry (conmon's STDIO_BUF_SIZE).
const journalLineMax = readBuf

func newJournaldSink(cfg *Config) *journaldSink {
	short := cfg.ID
	if len(short) > 12 {
		short = short[:12]
	}
	f := map[string]string{"CONTAINER_ID": short, "CONTAINER_ID_FULL": cfg.ID, "SYSLOG_IDENTIFIER": short}
	if cfg.Name != "" {
		f["CONTAINER_NAME"], f["SYSLOG_IDENTIFIER"] = cfg.Name, cfg.Name
	}
	if cfg.LogTag != "" {
		f["CONTAINER_TAG"], f["SYSLOG_IDENTIFIER"] = cfg.LogTag, cfg.LogTag
	}
	return &journaldSink{fields: f, pending: map[string][]byte{}, fd: -1}
}

func (j *journaldSink) Write(stream string, p []byte) error {
	buf := append(j.pending[stream], p...)
	var firstErr error
	keep := func(err error) {
		if firstErr == nil {
			firstErr = err
		}
	}
	for {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			break
		}
		keep(j.send(stream, buf[:i+1], false))
		buf = buf[i+1:]
	}
	for len(buf) >= journalLineMax {
		keep(j.send(stream, buf[:journalLineMax], true))
		buf = buf[journalLineMax:]
	}
	j.pending[stream] = append([]byte(nil), buf...)
	return firstErr
}

func (j *journaldSink) send(stream string, line []byte, partial bool) error {
	prio := priInfo
	if stream == logs.Stderr {
		prio = priErr
	}
	vars := j.fields
	if partial {
		vars = make(map[string]string, len(j.fields)+1)
		for k, v := range j.fields {
			vars[k] = v
		}
		vars["CONTAINER_PARTIAL_MESSAGE"] = "true"
	}
	err := j.sendEntry(line, prio, vars)
	if err == nil || j.failing {
		j.failing = err != nil
		return nil
	}
	j.failing = true
	return fmt.Errorf("writing to the journal (further failures not reported until it works again): %w", err)
}

// Syslog priorities of stdout and stderr lines, as conmon's.
const (
	priErr  = 3
	priInfo = 6
)

// journalSocket is journald's native protocol socket.
var journalSocket = "/run/systemd/journal/socket"

// sendEntry sends one entry in journald's native protocol: one datagram of
// fields, each KEY=VALUE, or for a value with a newline KEY, a newline,
// the value's length as a little-endian uint64 and the value. The monitor
// speaks it itself rather than through go-systemd's journal package,
// whose use of the net package would stay in the RSS of every monitor for
// the life of its container. Entries are a line (at most readBuf bytes)
// and a few fields, far below the datagram limit for which go-systemd
// passes a memfd.
func (j *journaldSink) sendEntry(msg []byte, prio int, vars map[string]string) error {
	if j.fd < 0 {
		fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("opening a socket to journald: %w", err)
		}
		j.fd = fd
	}
	var b bytes.Buffer
	journalField(&b, "PRIORITY", []byte(strconv.Itoa(prio)))
	journalField(&b, "MESSAGE", msg)
	for k, v := range vars {
		journalField(&b, k, []byte(v))
	}
	if err := unix.Sendto(j.fd, b.Bytes(), 0, &unix.SockaddrUnix{Name: journalSocket}); err != nil {
		return fmt.Errorf("sending to %s: %w", journalSocket, err)
	}
	return nil
}

func journalField(b *bytes.Buffer, key string, value []byte) {
	b.WriteString(key)
	if bytes.IndexByte(value, '\n') < 0 {
		b.WriteByte('=')
		b.Write(value)
		b.WriteByte('\n')
		return
	}
	b.WriteByte('\n')
	b.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(value))))
	b.Write(value)
	b.WriteByte('\n')
}

// Close sends what is left of unfinished lines.
func (j *journaldSink) Close() error {
	var firstErr error
	for _, stream := range []string{logs.Stdout, logs.Stderr} {
		if b := j.pending[stream]; len(b) > 0 {
			if err := j.send(stream, b, true); err != nil && firstErr == nil {
				firstErr = err
			}
			delete(j.pending, stream)
		}
	}
	if j.fd >= 0 {
		unix.Close(j.fd)
		j.fd = -1
	}
	return firstErr
}
