# Sourced by the scripts that install Debian packages (setup, mobile tests, soak): one way to
# ask for packages, as root or through sudo, quietly, saying what is installed.
# apt_install TAG PACKAGE...: TAG prefixes the message ("[setup]", "[mobile]", ...).
apt_install() {
  local tag=$1; shift
  (($#)) || return 0
  printf '\033[1;34m%s\033[0m installing Debian packages: %s\n' "$tag" "$*"
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}
