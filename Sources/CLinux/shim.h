// Linux system calls Swift's Glibc module does not export: pidfd_open (glibc >= 2.36), used
// by the scheduler to sleep until one of its runs' processes ends; inotify, by which the
// dashboard sleeps until the store's index changes.
#ifdef __linux__
#include <sys/inotify.h>
#include <sys/pidfd.h>
#include <poll.h>
#endif
