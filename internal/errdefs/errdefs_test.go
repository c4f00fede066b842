package errdefs

import (
	"errors"
	"fmt"
	"testing"
)

func TestHTTPStatus(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, 200},
		{fmt.Errorf("no container: %w", New(ErrNotFound, "no such container")), 404},
		{ErrConflict, 409},
		{Errorf(ErrInvalidState, "container state improper"), 409},
		{ErrInvalidArgument, 400},
		{ErrNotImplemented, 501},
		{errors.New("runtime failed"), 500},
	} {
		if got := HTTPStatus(tc.err); got != tc.want {
			t.Errorf("HTTPStatus(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}
