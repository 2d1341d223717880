// Help texts of `kubectl chatbot` and of each command: usage, what it does, options, an example.

const GLOBAL = `Cluster options (as kubectl):
  -n, --namespace NAME     Namespace of the chatbot (default: the kubeconfig context's, else "default")
      --kubeconfig PATH    Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)
      --context NAME       Kubeconfig context to use (default: the current context)
  -h, --help               Show this help`;

const TIMES = `Times are local wall times "YYYY-MM-DD HH:MM" in the time zone (--time-zone, else the
schedule's, else yours: $TZ or the system's), written to spec.schedule as the API keeps them
("2026-12-01T09:00"). A time in the past, or one the clocks skip for daylight saving time, is
refused.`;

export const TOP_HELP = `kubectl chatbot: validate, activate, schedule, inspect and try Chatbots (chatbots.dev).

Usage:
  kubectl chatbot COMMAND [NAME] [options]

Commands:
  validate FILE...          Validate Chatbot and Sender manifests offline, issues at file:line:column
  status NAME               State and why, validation errors, sender and holder, drains, next
                            scheduled action, entry points and open sessions
  activate NAME             Validate, then set spec.state Active (--at TIME: schedule it instead)
  deactivate NAME           Set spec.state Inactive (--at TIME: schedule it instead)
  schedule NAME             Schedule the activation and/or the deactivation (spec.schedule)
  unschedule NAME           Remove spec.schedule
  qr NAME                   Draw the QR code of the chatbot's entry point link in the terminal
  revisions NAME            The chatbot's revisions: which one serves, which drain until when
  rollback NAME             Set spec.definition to an earlier revision's (default: the previous)
  chat NAME | -f FILE       Talk to the chatbot's definition through the runtime's dialog engine

${GLOBAL}

Each change is a JSON merge patch of the Chatbot's spec or annotations: the fields you would
write in Git, printed as "chatbot.chatbots.dev/NAME patched: FIELD OLD -> NEW". Errors are one
line on stderr and exit status 1.

Examples:
  kubectl chatbot validate examples/*.yaml
  kubectl chatbot activate support -n acme --grace-period 5m
  kubectl chatbot schedule support --at "2026-12-01 09:00" --until "2026-12-24 18:00" --time-zone Europe/Zagreb
  printf 'hi\\nwhere is my order\\n' | kubectl chatbot chat -f examples/ai-assistant.yaml

Run 'kubectl chatbot COMMAND --help' for a command's options.
`;

export const HELP: Record<string, string> = {
  validate: `Validate Chatbot and Sender manifests offline, the way the operator does after 'kubectl apply'.

Usage:
  kubectl chatbot validate [options] FILE...

FILE is a YAML file of one or more documents; '-' reads standard input. A Chatbot's senderRef is
looked up among the Senders in the same files; when it is not among them, the checks that need it
are skipped with a warning. Each issue prints as
  FILE:LINE:COLUMN: error|warning CODE message (path)

Options:
  -o, --format text|json   Output format (default text)
  -n, --namespace NAME     Namespace of documents without metadata.namespace (default "default")
  -h, --help               Show this help

Exit status: 0 no errors (warnings allowed), 1 errors, 2 unreadable input.

Example:
  kubectl chatbot validate examples/ai-assistant.yaml examples/errors/*.yaml
`,

  status: `Show a chatbot's state and why, in words.

Usage:
  kubectl chatbot status NAME [options]

Shows the state and the Ready condition's reason and message, validation errors and warnings with
their paths, the sender and the chatbot that holds it, draining revisions with their deadlines,
the next scheduled action, the entry points (link, shareable, QR URLs) and the open sessions.
Times are shown in your time zone ($TZ or the system's) and in UTC.

${GLOBAL}

Example:
  kubectl chatbot status support -n acme
`,

  activate: `Activate a chatbot: validate it, then set spec.state Active.

Usage:
  kubectl chatbot activate NAME [--grace-period DURATION | --immediate] [options]
  kubectl chatbot activate NAME --at TIME [--until TIME] [--time-zone TZ] [options]

The chatbot is validated first, against its Sender in the cluster; with errors it is not
activated: each error prints at its path and the exit status is 1. A chatbot that lost its
sender to another one (Preempted) gets a new chatbots.dev/reactivate annotation (now), so it
claims its sender again. One-off schedule times already past are removed (they would keep
deciding the state). --grace-period and --immediate set spec.takeover: how the chatbot this
one displaces from the sender ends its open sessions.

Options:
      --grace-period DURATION  spec.takeover: Graceful, open sessions of the displaced chatbot may
                               go on this long (e.g. 15m)
      --immediate              spec.takeover: Immediate, they end at once
      --at TIME                Schedule the activation instead (spec.schedule.activateAt)
      --until TIME             Also schedule the deactivation (spec.schedule.deactivateAt); without
                               --at: activate now, deactivate then
      --time-zone TZ           IANA time zone of --at and --until, e.g. Europe/Zagreb

${TIMES}

${GLOBAL}

Examples:
  kubectl chatbot activate support --grace-period 5m
  kubectl chatbot activate support --at "2026-12-01 09:00" --time-zone Europe/Zagreb
`,

  deactivate: `Deactivate a chatbot: set spec.state Inactive.

Usage:
  kubectl chatbot deactivate NAME [--grace-period DURATION] [options]
  kubectl chatbot deactivate NAME --at TIME [--time-zone TZ] [options]

Open sessions may finish during spec.deactivation.gracePeriod (default 0s: closed at once).
One-off schedule times already past are removed (they would keep deciding the state).

Options:
      --grace-period DURATION  spec.deactivation.gracePeriod, e.g. 10m
      --at TIME                Schedule the deactivation instead (spec.schedule.deactivateAt); an
                               inactive chatbot gets one only together with an activation time
      --time-zone TZ           IANA time zone of --at, e.g. Europe/Zagreb

${TIMES}

${GLOBAL}

Examples:
  kubectl chatbot deactivate support --grace-period 5m
  kubectl chatbot deactivate support --at "2026-12-24 18:00" --time-zone Europe/Zagreb
`,

  schedule: `Schedule a chatbot's activation and deactivation (spec.schedule).

Usage:
  kubectl chatbot schedule NAME --at TIME [--until TIME] [--time-zone TZ] [options]
  kubectl chatbot schedule NAME --until TIME [--time-zone TZ] [options]

--at sets the activation time and --until the deactivation time (without --until, none). With
--until alone, the deactivation time is set and a scheduled activation kept; an inactive chatbot
gets a deactivation time only together with an activation time. spec.state and recurring
windows are kept. The next scheduled action is printed.

Options:
      --at TIME          spec.schedule.activateAt
      --until TIME       spec.schedule.deactivateAt, later than --at
      --time-zone TZ     spec.schedule.timeZone: an IANA name such as Europe/Zagreb

${TIMES}

${GLOBAL}

Example:
  kubectl chatbot schedule support --at "2026-12-01 09:00" --until "2026-12-24 18:00" --time-zone Europe/Zagreb
`,

  unschedule: `Remove a chatbot's schedule (spec.schedule): spec.state alone decides its state.

Usage:
  kubectl chatbot unschedule NAME [options]

${GLOBAL}

Example:
  kubectl chatbot unschedule support
`,

  qr: `Draw the QR code of a chatbot's entry point link in the terminal, with the link under it.

Usage:
  kubectl chatbot qr NAME [options]

The link is status.entryPoints' (a wa.me link for WhatsApp), there once the chatbot is Active.
End users scan the code to start a conversation. A chatbot on a test sender is not shareable:
only the sender's verified number can talk to it.

${GLOBAL}

Example:
  kubectl chatbot qr support
`,

  revisions: `List a chatbot's revisions (its ControllerRevisions, label chatbots.dev/chatbot=NAME).

Usage:
  kubectl chatbot revisions NAME [options]

Each row: revision number, name, when it was created, and whether it serves new conversations
or drains (until when, and why). Times are shown in your time zone and in UTC.

${GLOBAL}

Example:
  kubectl chatbot revisions support
`,

  rollback: `Roll a chatbot's definition back to an earlier revision.

Usage:
  kubectl chatbot rollback NAME [--to REVISION] [options]

Sets spec.definition to the revision's definition; the operator then serves that revision
again (the same definition is the same revision), and the one serving until then drains for
spec.redeploy.gracePeriod.

Options:
      --to REVISION   Revision number or name (default: the newest revision whose definition
                      differs from spec.definition: the previous one)

${GLOBAL}

Examples:
  kubectl chatbot rollback support
  kubectl chatbot rollback support --to 3
`,

  chat: `Talk to a chatbot's definition in the terminal, through the runtime's own dialog engine.

Usage:
  kubectl chatbot chat NAME [options]
  kubectl chatbot chat -f FILE [NAME] [options]

The conversation runs locally: nothing is sent to a channel, and the chatbot need not be active
(or even applied). Each line is one message from the end user; reply buttons are numbered: type
the number to press one. /new starts a new session, /quit (or end of input) ends. When standard
input is not a terminal, one message is read per line and the transcript printed, for scripts.

Options:
  -f, --filename FILE     Read the Chatbot from a manifest file instead of the cluster (NAME picks
                          one when the file has several)
      --attr KEY=VALUE    A session attribute to start with, e.g. --attr name=Ana (repeatable)

${GLOBAL}

Examples:
  kubectl chatbot chat support
  printf 'hi\\nwhere is my order\\nACM-1\\n' | kubectl chatbot chat -f examples/ai-assistant.yaml
`,
};

export const COMMANDS = Object.keys(HELP);
