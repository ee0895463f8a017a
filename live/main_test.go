package live

import (
	"log/slog"
	"os"
	"testing"

	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

func TestMain(m *testing.M) { os.Exit(localtest.Run(m)) }

// quietLog keeps the tests' output to errors.
var quietLog = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
