/* The sandbox ("pause") container of every pod on the real node: holds the pod's namespaces, reaps zombies, and
 * exits on SIGINT/SIGTERM. No registry can be reached here, so containerd's sandbox_image names this local image. */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void quit(int sig) { (void)sig; _exit(0); }
static void reap(int sig) {
  (void)sig;
  while (waitpid(-1, 0, WNOHANG) > 0) {
  }
}

int main(void) {
  signal(SIGINT, quit);
  signal(SIGTERM, quit);
  signal(SIGCHLD, reap);
  for (;;) pause();
}
