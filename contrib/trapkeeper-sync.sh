#!/bin/sh
# trapkeeper-sync.sh — keep a firewall's spamd spamtraps in step with a trapkeeper publisher.
#
#   trapkeeper-sync.sh [-v] BASE-URL        e.g. trapkeeper-sync.sh https://traps.example.org
#
# Fetches BASE-URL/spamtraps.txt and BASE-URL/spamtraps-withdrawn.txt, then
#   - adds every listed trap spamd does not hold yet (spamdb -T -a), and records it as added here;
#   - deletes (spamdb -T -d) every withdrawn trap that THIS SCRIPT added, and nothing else:
#     traps the firewall's operator added by hand are never touched.
# Nothing changes when a download fails, is cut short (ends mid-line), or looks wrong (an empty
# trap list while this firewall holds traps added from it, a page of something else).
# Addresses reach spamdb as single arguments (never through the shell); a line that is not an
# address (white space, control characters, no '@') is skipped.
#
# Runs under OpenBSD's ksh (and any POSIX sh) with ftp(1), spamdb(8), awk, sort, comm, tr, xargs.
# Environment:
#   TRAPKEEPER_STATE  the record of the traps added here (default /var/db/trapkeeper-sync.added)
#   TRAPKEEPER_FETCH  the download command, run as: $TRAPKEEPER_FETCH OUTFILE URL
#                     (default "ftp -V -o"; words split on blanks)
# Exit status: 0 done; 1 nothing changed (a download or spamdb failed, or a list looked wrong),
# or spamdb refused some addresses (the record still says exactly what is held); 2 usage.
set -u
umask 077
export LC_ALL=C

prog=trapkeeper-sync
verbose=0
if [ "${1:-}" = "-v" ]; then verbose=1; shift; fi
if [ $# -ne 1 ] || [ -z "$1" ]; then
	printf 'usage: %s [-v] BASE-URL   (the URL of the folder that holds spamtraps.txt)\n' "$prog" >&2
	exit 2
fi
base=${1%/}
state=${TRAPKEEPER_STATE:-/var/db/trapkeeper-sync.added}
fetch=${TRAPKEEPER_FETCH:-ftp -V -o}

say() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { say "$*"; exit 1; }
count() { c=$(wc -l <"$1") && echo $((c)); }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/$prog.XXXXXXXXXX") || die "cannot make a temporary folder"
lock=$state.lock
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
# One sync at a time: two would both add, and the record of one would lose the other's.
if ! mkdir "$lock" 2>/dev/null; then
	[ -d "$lock" ] && die "$lock exists: another sync is running (or one was killed: remove $lock)"
	die "cannot create $lock: does the folder of TRAPKEEPER_STATE ($state) exist?"
fi
trap 'rm -rf "$tmp"; rmdir "$lock"' EXIT

# get NAME: downloads BASE/NAME to $tmp/NAME, or stops the sync with nothing changed.
get() {
	rm -f "$tmp/$1"
	$fetch "$tmp/$1" "$base/$1" >"$tmp/$1.log" 2>&1 ||
		die "cannot fetch $base/$1 (exit $?): $(sed -n 1,3p "$tmp/$1.log") — nothing changed"
	[ -f "$tmp/$1" ] || die "fetching $base/$1 wrote no file — nothing changed"
	# Each published list is whole lines: a last byte other than a newline means a cut transfer.
	if [ -s "$tmp/$1" ] && [ -n "$(tail -c 1 "$tmp/$1")" ]; then
		die "$base/$1 ends in the middle of a line (a cut transfer?) — nothing changed"
	fi
}

# addresses FILE: the address-shaped lines of FILE (an '@', no white space, no control byte).
addresses() { awk '/^[^[:space:][:cntrl:]]*@[^[:space:][:cntrl:]]*$/' "$1"; }

# held OUT: the SPAMTRAP entries spamd holds now, sorted.
held() {
	spamdb >"$tmp/db" || die "spamdb failed: cannot list the spamd database — nothing changed"
	awk 'substr($0, 1, 9) == "SPAMTRAP|" { print substr($0, 10) }' "$tmp/db" | sort -u >"$1"
}

get spamtraps.txt
get spamtraps-withdrawn.txt
addresses "$tmp/spamtraps.txt" | sort -u >"$tmp/listed" || die "cannot sort the trap list"
addresses "$tmp/spamtraps-withdrawn.txt" | sort -u >"$tmp/withdrawn" || die "cannot sort the withdrawn list"
skipped=$(($(count "$tmp/spamtraps.txt") - $(addresses "$tmp/spamtraps.txt" | wc -l)))
skipped_w=$(($(count "$tmp/spamtraps-withdrawn.txt") - $(addresses "$tmp/spamtraps-withdrawn.txt" | wc -l)))
if [ -f "$state" ]; then
	sort -u "$state" >"$tmp/record" || die "cannot read $state"
else
	: >"$tmp/record"
fi
listed=$(count "$tmp/listed")
recorded=$(count "$tmp/record")

if [ "$skipped" -gt "$listed" ] || [ "$skipped_w" -gt "$(count "$tmp/withdrawn")" ]; then
	die "$base/spamtraps.txt or spamtraps-withdrawn.txt is mostly not addresses (an error page?) — nothing changed"
fi
if [ "$listed" -eq 0 ] && [ "$recorded" -gt 0 ]; then
	die "$base/spamtraps.txt lists no address, but $recorded traps were added from it here: an empty or wrong download? — nothing changed"
fi
[ "$skipped" -gt 0 ] && say "$skipped lines of $base/spamtraps.txt are not addresses and were skipped"

held "$tmp/held"
# To add: listed, not held. To delete: withdrawn, not listed again, added here, still held.
comm -23 "$tmp/listed" "$tmp/held" >"$tmp/add"
comm -23 "$tmp/withdrawn" "$tmp/listed" | comm -12 - "$tmp/record" | comm -12 - "$tmp/held" >"$tmp/delete"

failed=0
# run FLAG FILE: spamdb -T FLAG for every address of FILE, each one argument (NUL-separated
# through xargs, after "--": no address is ever read as an option or by a shell).
run() {
	[ -s "$2" ] || return 0
	tr '\n' '\000' <"$2" | xargs -0 spamdb -T "$1" -- >"$tmp/spamdb.log" 2>&1 || {
		failed=1
		say "spamdb -T $1 reported errors: $(sed -n 1,3p "$tmp/spamdb.log")"
	}
}
run -d "$tmp/delete"
run -a "$tmp/add"

# The record: what was added here (before or now) and spamd holds after this run. A trap that
# was deleted, by this run or by hand, leaves it.
held "$tmp/held.after"
sort -u "$tmp/record" "$tmp/add" | comm -12 - "$tmp/held.after" >"$tmp/record.new" &&
	cp "$tmp/record.new" "$state.new" && mv "$state.new" "$state" ||
	die "cannot write $state: the traps added by this run are not recorded"

if [ "$verbose" = 1 ]; then
	say "added $(count "$tmp/add"), deleted $(count "$tmp/delete") withdrawn; $(count "$tmp/record.new") traps recorded as added here"
fi
exit $failed
