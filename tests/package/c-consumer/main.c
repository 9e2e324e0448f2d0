/* A C consumer of an installed libzcn: copies a memfd through a pipe with splice and checks the bytes. */
#include <stdio.h>
#include <string.h>

#include <zcn.h>

int main(void) {
    static const char message[] = "zero-copy from C";
    int32_t fds[2];
    int32_t memfd = zcn_memfd_create("consumer", ZCN_MFD_NONE);
    if (memfd < 0 || zcn_pipe(fds, ZCN_PIPE_NONE) != 0) {
        fprintf(stderr, "setup failed: %s\n", zcn_errno_name(memfd < 0 ? memfd : -1));
        return 1;
    }
    int64_t written = zcn_pwrite(memfd, message, sizeof message, 0);
    int64_t offset = 0;
    int64_t spliced = zcn_splice(memfd, &offset, fds[1], NULL, sizeof message, 0);
    char received[sizeof message] = {0};
    int64_t got = zcn_read(fds[0], received, sizeof received);
    int ok = written == (int64_t)sizeof message && spliced == (int64_t)sizeof message &&
             got == (int64_t)sizeof message && memcmp(received, message, sizeof message) == 0 &&
             offset == (int64_t)sizeof message;
    printf("libzcn %d.%d.%d: splice moved %lld bytes: %s\n", zcn_version() >> 16, (zcn_version() >> 8) & 0xff,
           zcn_version() & 0xff, (long long)spliced, ok ? "ok" : "MISMATCH");
    zcn_close(fds[0]);
    zcn_close(fds[1]);
    zcn_close(memfd);
    return ok ? 0 : 1;
}
