#!/usr/bin/env bash
# Remakes the book's screenshots (docs/src/images/) and terminal output
# (docs/src/output/) from the real binaries: each page is fetched with curl, as
# a browser would, saved, and photographed by headless Chromium.
#
#   bash docs/make-screenshots.sh
#
# Needs Debian's chromium (installed here if missing) and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
images=$root/docs/src/images
output=$root/docs/src/output
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

if ! command -v chromium > /dev/null; then
  apt-get update -qq && apt-get install -y -qq chromium
fi
cargo build -q -p ch07-1-debug-mode -p ch07-3-email-errors -p ch07-4-file-logging -p ch07-5-duplicate-username
bin=$root/target/debug

# start NAME PORT [ENV...]: runs a step's binary in its own directory.
start() {
  local name=$1 port=$2; shift 2
  mkdir -p "$work/$name"
  (cd "$work/$name" && exec env ROCKET_CONFIG="$root/Rocket.toml" ROCKET_PORT="$port" ROCKET_CLI_COLORS=false \
    ROCKET_DATABASES="{microblog={url=\"$work/$name/microblog.db\"}}" "$@" "$bin/$name" \
    > "$work/$name/stdout" 2> "$work/$name/stderr") &
  pids+=($!)
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/login" && return; sleep 0.1; done
  echo "$name did not start" >&2; exit 1
}
release=(ROCKET_PROFILE=release ROCKET_SECRET_KEY="$(head -c 32 /dev/urandom | base64)")

# A browser session: curl with its own cookie jar.
jar() { echo "$work/cookies-$1"; }
token() { grep -o 'name="csrf_token" type="hidden" value="[0-9a-f]*"' | sed 's/.*value="//;s/"$//'; }
register_and_sign_in() { # PORT USER
  local base=http://127.0.0.1:$1 j; j=$(jar "$1-$2")
  local t; t=$(curl -s -c "$j" -b "$j" "$base/register" | token)
  curl -s -o /dev/null -c "$j" -b "$j" --data "csrf_token=$t&username=$2&email=$2@example.com&password=cat&password2=cat" "$base/register"
  curl -s -o /dev/null -c "$j" -b "$j" --data "csrf_token=$t&username=$2&password=cat" "$base/login"
}
# rename PORT USER NEW_NAME FILE: submits the edit-profile form, saves the page.
rename() {
  local base=http://127.0.0.1:$1 j; j=$(jar "$1-$2")
  local t; t=$(curl -s -c "$j" -b "$j" "$base/edit_profile" | token)
  curl -s -c "$j" -b "$j" --data "csrf_token=$t&username=$3&about_me=Hello" "$base/edit_profile" > "$4"
}
shoot() { # HTML_FILE PNG_NAME HEIGHT
  chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
    --user-data-dir="$work/chromium" --window-size=900,"$3" \
    --screenshot="$images/$2" "file://$1" 2> /dev/null
  echo "made docs/src/images/$2"
}

# Step 5, release: the 404 page and the form error.
start ch07-5-duplicate-username 8101 "${release[@]}"
register_and_sign_in 8101 susan
register_and_sign_in 8101 john
curl -s -b "$(jar 8101-john)" http://127.0.0.1:8101/no/such/page > "$work/404.html"
rename 8101 john susan "$work/form-error.html"
shoot "$work/404.html" 404.png 360
shoot "$work/form-error.html" edit-profile-form-error.png 480

# Step 4, release: the 500 page, and the log file it writes.
start ch07-4-file-logging 8102 "${release[@]}"
register_and_sign_in 8102 susan
register_and_sign_in 8102 john
rename 8102 john susan "$work/500.html"
shoot "$work/500.html" 500.png 360
kill -TERM "${pids[-1]}"; wait "${pids[-1]}" 2> /dev/null || true
# The whole file, unfiltered: it holds only the app's own records (the startup
# line and the ERROR with its backtrace), and the page says so.
{ cat "$work/ch07-4-file-logging/logs/microblog.log".* "$work/ch07-4-file-logging/logs/microblog.log" 2> /dev/null || true; } \
  | head -n 14 | sed "s|$HOME|~|g" > "$output/microblog.log.txt"

# Step 1, debug: the PIN, the locked page and the unlocked one.
start ch07-1-debug-mode 8103
grep -h '^Debugger PIN' "$work/ch07-1-debug-mode/stdout" > "$output/debugger-pin.txt"
pin=$(grep -o '[0-9]\{3\}-[0-9]\{3\}-[0-9]\{3\}' "$output/debugger-pin.txt")
register_and_sign_in 8103 susan
register_and_sign_in 8103 john
rename 8103 john susan "$work/debug-locked.html"
# The PIN form posts to /__debugger/unlock/N with john's CSRF token in a hidden
# field; curl sends no Origin header, so only the token is checked. The reply
# is a redirect to /__debugger/failure/N, which is fetched with the same jar.
id=$(grep -o '/__debugger/unlock/[0-9]*' "$work/debug-locked.html" | head -n 1 | grep -o '[0-9]*$' || true)
t=$(token < "$work/debug-locked.html" || true)
if [[ -z $id || -z $t ]]; then echo "no PIN form with a CSRF token on the locked debug page" >&2; exit 1; fi
curl -s -o /dev/null -c "$(jar 8103-john)" -b "$(jar 8103-john)" \
  --data "csrf_token=$t&pin=$pin" "http://127.0.0.1:8103/__debugger/unlock/$id"
curl -s -c "$(jar 8103-john)" -b "$(jar 8103-john)" "http://127.0.0.1:8103/__debugger/failure/$id" > "$work/debug-unlocked.html"
shoot "$work/debug-locked.html" debug-locked.png 300
shoot "$work/debug-unlocked.html" debug-unlocked.png 1500

# Step 3, release, with the mail sink: what the sink prints.
(cd "$work" && exec "$bin/mail-sink" --port 8125 > "$work/sink.out" 2>&1) &
pids+=($!)
start ch07-3-email-errors 8104 "${release[@]}" MAIL_SERVER=localhost MAIL_PORT=8125
register_and_sign_in 8104 susan
register_and_sign_in 8104 john
rename 8104 john susan /dev/null
for _ in $(seq 100); do grep -q 'END MESSAGE' "$work/sink.out" && break; sleep 0.1; done
sed "s|$HOME|~|g" "$work/sink.out" | head -n 30 > "$output/mail-sink.txt"
echo "made docs/src/output/*.txt"
