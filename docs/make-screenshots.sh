#!/usr/bin/env bash
# Retakes the book's screenshots (docs/src/images/*.png) from the real
# binaries, in a real browser: headless Chromium, driven through ChromeDriver
# (WebDriver over HTTP, with curl), registers two users, signs in, and causes
# each page by clicking through the site as a learner would.
#
#   bash docs/make-screenshots.sh
#
# Installs Debian's chromium and chromium-driver first if they are missing
# (docs/install-screenshot-tools.sh). CI does not run this: the screenshots are
# pictures, not checks. The book's text outputs (docs/src/output/*.snap) are
# made and checked by `cargo test` instead.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
images=$root/docs/src/images
work=$(mktemp -d)
pids=()
driver=
cleanup() {
  # ChromeDriver's own way out closes the browsers it started, then exits.
  if [[ -n $driver ]]; then curl -s -m 10 "$driver/shutdown" > /dev/null || true; fi
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  wait 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

bash docs/install-screenshot-tools.sh
cargo build -q -p ch07-1-debug-mode -p ch07-2-error-pages -p ch07-5-duplicate-username
bin=$root/target/debug

# ChromeDriver, on a port of its own.
driver_port=${CHROMEDRIVER_PORT:-9517}
chromedriver --port="$driver_port" > "$work/chromedriver.log" 2>&1 &
pids+=($!)
driver=http://127.0.0.1:$driver_port
for _ in $(seq 100); do curl -sf "$driver/status" > /dev/null && break; sleep 0.1; done
curl -sf "$driver/status" > /dev/null || { echo "chromedriver did not start" >&2; exit 1; }

# start NAME [ENV...]: runs a step's binary in a directory of its own, on a port
# the OS picks, and sets $base to its URL once it listens.
start() {
  local name=$1; shift
  mkdir -p "$work/$name"
  (cd "$work/$name" && exec env ROCKET_CONFIG="$root/Rocket.toml" ROCKET_PORT=0 ROCKET_CLI_COLORS=false \
    ROCKET_DATABASES="{microblog={url=\"$work/$name/microblog.db\"}}" "$@" "$bin/$name" \
    > "$work/$name/stdout" 2> "$work/$name/stderr") &
  pids+=($!)
  local url=
  for _ in $(seq 300); do
    url=$(grep -ho 'launched from http://[0-9.:]*' "$work/$name/stdout" "$work/$name/stderr" | head -n 1 || true)
    [[ -n $url ]] && break
    sleep 0.1
  done
  [[ -n $url ]] || { echo "$name did not start" >&2; cat "$work/$name/stderr" >&2; exit 1; }
  base=${url#launched from }
}
release=(ROCKET_PROFILE=release ROCKET_SECRET_KEY="$(head -c 32 /dev/urandom | base64)")

# wd METHOD PATH [JSON]: one WebDriver command; stops the script on an error.
wd() {
  local reply
  reply=$(curl -s -X "$1" -H 'Content-Type: application/json' --data "${3:-{\}}" "$driver$2")
  if [[ $reply == *'"error":'* ]]; then
    echo "WebDriver $1 $2: ${reply:0:400}" >&2
    exit 1
  fi
  printf '%s' "$reply"
}

# browser: a new browser with an empty profile (so no cookies), 900 px wide.
browser() {
  local profile=$work/chromium-$RANDOM
  local args='"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--window-size=900,700", "--user-data-dir='"$profile"'"'
  session=$(wd POST /session '{"capabilities": {"alwaysMatch": {"browserName": "chrome",
    "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": ['"$args"']}}}}' \
    | sed -E 's/.*"sessionId":"([^"]+)".*/\1/')
}
quit() { wd DELETE "/session/$session" > /dev/null; }
go() { wd POST "/session/$session/url" "{\"url\": \"$base$1\"}" > /dev/null; }
element() {
  wd POST "/session/$session/element" "{\"using\": \"css selector\", \"value\": \"$1\"}" \
    | sed -E 's/.*"element-6066-11e4-a52e-4f735466cecf":"([^"]+)".*/\1/'
}
type_into() { # CSS TEXT: replaces what the field holds with TEXT, typed
  local id; id=$(element "$1")
  wd POST "/session/$session/element/$id/clear" > /dev/null
  wd POST "/session/$session/element/$id/value" "{\"text\": \"$2\"}" > /dev/null
}
click() { local id; id=$(element "$1"); wd POST "/session/$session/element/$id/click" > /dev/null; }
# page: the HTML shown now, unescaped from its JSON string well enough to grep.
page() { wd GET "/session/$session/source" | sed -e 's/\\u003C/</g' -e 's/\\"/"/g'; }
# expect TEXT: the page shown now holds TEXT, or the script stops.
expect() {
  page | grep -qF -- "$1" || { echo "expected \"$1\" on $base, got:" >&2; page >&2; exit 1; }
}
refuse() {
  if page | grep -qF -- "$1"; then echo "unexpected \"$1\" on the page" >&2; exit 1; fi
}
# js EXPRESSION: a number the page works out.
js() {
  wd POST "/session/$session/execute/sync" "{\"script\": \"return Math.ceil($1)\", \"args\": []}" \
    | sed -E 's/.*"value":([0-9]+).*/\1/'
}
# shoot NAME [HEIGHT]: the window, HEIGHT px high (default: down to the end
# of the page's content).
shoot() {
  local height=${2:-$(js "document.body.getBoundingClientRect().bottom + window.scrollY + 16")}
  wd POST "/session/$session/window/rect" "{\"width\": 900, \"height\": $height}" > /dev/null
  # The window's height includes what the browser takes for itself: add that.
  local inner; inner=$(js window.innerHeight)
  wd POST "/session/$session/window/rect" "{\"width\": 900, \"height\": $((2 * height - inner))}" > /dev/null
  wd GET "/session/$session/screenshot" | sed -E 's/.*"value":"([^"]*)".*/\1/' | base64 -d > "$images/$1"
  echo "made docs/src/images/$1"
}

# The visitor's way in: register susan, register john, sign in as john.
register() {
  go /register
  type_into '#username' "$1"
  type_into '#email' "$1@example.com"
  type_into '#password' cat
  type_into '#password2' cat
  click '#submit'
  expect 'Congratulations, you are now a registered user!'
}
sign_in() {
  go /login
  type_into '#username' "$1"
  type_into '#password' cat
  click '#submit'
  expect "Hi, $1!"
}
susan_and_john() { register susan; register john; sign_in john; }
take_susans_name() {
  go /edit_profile
  type_into '#username' susan
  type_into '#about_me' 'Hello, I am john.'
  click '#submit'
}

# Step 5, release: the 404 page, and the form error of the fixed bug.
start ch07-5-duplicate-username "${release[@]}"
browser
susan_and_john
go /no/such/page
expect 'Not Found'
refuse 'Congratulations'
shoot 404.png
take_susans_name
expect 'Please use a different username.'
shoot edit-profile-form-error.png
quit

# Step 2, release: the 500 page of the bug.
start ch07-2-error-pages "${release[@]}"
browser
susan_and_john
take_susans_name
expect 'An unexpected error has occurred'
shoot 500.png
quit

# Step 1, debug: the locked debug page, then the PIN the terminal printed.
start ch07-1-debug-mode
pin=$(grep -ho 'Debugger PIN: [0-9-]*' "$work/ch07-1-debug-mode/stdout" | head -n 1 | cut -d' ' -f3)
[[ -n $pin ]] || { echo "no Debugger PIN line" >&2; exit 1; }
browser
susan_and_john
take_susans_name
expect 'name="pin"'
refuse 'UNIQUE constraint'
shoot debug-locked.png
type_into 'input[name=pin]' "$pin"
click 'input[type=submit]'
expect 'UNIQUE constraint failed: user.username'
# Down to the last of the app's own frames, which are open: not the library
# frames below them.
shoot debug-unlocked.png "$(js "Math.max(...[...document.querySelectorAll('details[open]')].map(e => e.getBoundingClientRect().bottom + window.scrollY)) + 8")"
quit
