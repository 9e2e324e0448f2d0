using System;
using System.IO;
using System.Text;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Interop;

/// <summary>Raw bindings: open, close, read, write, pread, pwrite, lseek, ftruncate, fsync, fadvise, fd_query,
/// dio_alignment.</summary>
[TestFixture]
public unsafe class RawBindingFileTests : RawBindingFixture
{
    [Test]
    public void Open_CreatesAFileWithTheModeAndCloexec()
    {
        string path = Path.Combine(Directory, "created");
        int fd = Raw.Open(path, OpenFlags.CREAT | OpenFlags.EXCL | OpenFlags.RDWR, 0x180 /* 0600 */);
        try
        {
            Assert.That(fd, Is.GreaterThanOrEqualTo(0), Raw.NameOf(fd));
            FdInfo info = Raw.Query(fd);
            Assert.That(info.kind, Is.EqualTo((int)FdKind.REGULAR));
            Assert.That(info.mode & 0x1ff, Is.EqualTo(0x180));
            Assert.That(info.status_flags & 3, Is.EqualTo((int)OpenFlags.RDWR));
            Assert.That(File.Exists(path));
        }
        finally
        {
            Raw.Close(fd);
        }
    }

    [Test]
    public void Open_AMissingFile_IsEnoent() =>
        Raw.AssertErrno(Raw.Open(Path.Combine(Directory, "missing"), OpenFlags.RDONLY), Errno.ENOENT, "open");

    [Test]
    public void Open_ExclusiveOnAnExistingFile_IsEexist() =>
        Raw.AssertErrno(Raw.Open(NewFile(), OpenFlags.CREAT | OpenFlags.EXCL | OpenFlags.WRONLY, 0x180),
                        Errno.EEXIST, "open");

    [Test]
    public void Open_WithANullPath_IsEfault() =>
        Raw.AssertErrno(Zcn.open(null, (int)OpenFlags.RDONLY, 0), Errno.EFAULT, "open");

    [Test]
    public void Close_ReleasesTheDescriptor()
    {
        int fd = Raw.OpenOk(NewFile(), OpenFlags.RDONLY);

        Assert.That(Zcn.close(fd), Is.Zero);
        Raw.AssertErrno(Zcn.fd_query(fd, null), Errno.EFAULT, "fd_query(NULL) checks its argument first");
    }

    [Test]
    public void Close_OfAClosedDescriptor_IsEbadf() =>
        Raw.AssertErrno(Zcn.close(Raw.BadFd), Errno.EBADF, "close");

    [Test]
    public void ReadAndWrite_MoveTheFilePosition()
    {
        string path = NewFile();
        int fd = Raw.OpenOk(path, OpenFlags.RDWR);
        try
        {
            byte[] data = Raw.Pattern(5000);
            Assert.That(Raw.Write(fd, data), Is.EqualTo(5000));
            Assert.That(Zcn.lseek(fd, 0, (int)Whence.SEEK_CUR), Is.EqualTo(5000));
            Assert.That(Zcn.lseek(fd, 1000, (int)Whence.SEEK_SET), Is.EqualTo(1000));

            var buffer = new byte[10000];
            fixed (byte* p = buffer)
            {
                Assert.That(Zcn.read(fd, p, 10000), Is.EqualTo(4000), "short read at end of file");
                Assert.That(Zcn.read(fd, p, 10000), Is.Zero, "end of file");
            }

            Assert.That(buffer[..4000], Is.EqualTo(data[1000..]));
        }
        finally
        {
            Raw.Close(fd);
        }
    }

    [Test]
    public void Read_FromAWriteOnlyDescriptor_IsEbadf()
    {
        int fd = Raw.OpenOk(NewFile(Raw.Pattern(10)), OpenFlags.WRONLY);
        try
        {
            byte b;
            Raw.AssertErrno(Zcn.read(fd, &b, 1), Errno.EBADF, "read");
        }
        finally
        {
            Raw.Close(fd);
        }
    }

    [Test]
    public void Write_ToAReadOnlyDescriptor_IsEbadf()
    {
        int fd = Raw.OpenOk(NewFile(), OpenFlags.RDONLY);
        try
        {
            Raw.AssertErrno(Raw.Write(fd, Raw.Pattern(10)), Errno.EBADF, "write");
        }
        finally
        {
            Raw.Close(fd);
        }
    }

    [Test]
    public void Write_ToAPipeWithoutReader_IsEpipe()
    {
        (int r, int w) = Raw.Pipe();
        Raw.Close(r);
        try
        {
            // The runtime ignores SIGPIPE, so the write reports EPIPE instead of killing the process.
            Raw.AssertErrno(Raw.Write(w, Raw.Pattern(10)), Errno.EPIPE, "write");
        }
        finally
        {
            Raw.Close(w);
        }
    }

    [Test]
    public void PreadAndPwrite_UseTheOffsetAndLeaveThePositionAlone()
    {
        string path = NewFile(new byte[100]);
        int fd = Raw.OpenOk(path, OpenFlags.RDWR);
        try
        {
            byte[] data = Raw.Pattern(30);
            fixed (byte* p = data)
            {
                Assert.That(Zcn.pwrite(fd, p, 30, 50), Is.EqualTo(30));
            }

            var buffer = new byte[40];
            fixed (byte* p = buffer)
            {
                Assert.That(Zcn.pread(fd, p, 40, 45), Is.EqualTo(40));
            }

            Assert.That(buffer[5..35], Is.EqualTo(data));
            Assert.That(Zcn.lseek(fd, 0, (int)Whence.SEEK_CUR), Is.Zero);
        }
        finally
        {
            Raw.Close(fd);
        }
    }

    [Test]
    public void PreadAndPwrite_OnAPipe_AreEspipe()
    {
        (int r, int w) = Raw.Pipe();
        try
        {
            byte b = 1;
            Raw.AssertErrno(Zcn.pwrite(w, &b, 1, 0), Errno.ESPIPE, "pwrite");
            Raw.AssertErrno(Zcn.pread(r, &b, 1, 0), Errno.ESPIPE, "pread");
        }
        finally
        {
            Raw.Close(r, w);
        }
    }

    [Test]
    public void Pread_AtANegativeOffset_IsEinval()
    {
        int fd = Raw.OpenOk(NewFile(Raw.Pattern(10)), OpenFlags.RDONLY);
        try
        {
            byte b;
            Raw.AssertErrno(Zcn.pread(fd, &b, 1, -1), Errno.EINVAL, "pread");
        }
        finally
        {
            Raw.Close(fd);
        }
    }

    [Test]
    public void Lseek_FromTheEnd_GivesTheSize()
    {
        int fd = Raw.OpenOk(NewFile(Raw.Pattern(777)), OpenFlags.RDONLY);
        try
        {
            Assert.That(Zcn.lseek(fd, 0, (int)Whence.SEEK_END), Is.EqualTo(777));
            Assert.That(Zcn.lseek(fd, -7, (int)Whence.SEEK_CUR), Is.EqualTo(770));
        }
        finally
        {
            Raw.Close(fd);
        }
    }

    [Test]
    public void Lseek_WithAnUnknownWhence_IsEinvalAndOnAPipeEspipe()
    {
        int fd = Raw.OpenOk(NewFile(Raw.Pattern(10)), OpenFlags.RDONLY);
        (int r, int w) = Raw.Pipe();
        try
        {
            Raw.AssertErrno(Zcn.lseek(fd, 0, 99), Errno.EINVAL, "lseek");
            Raw.AssertErrno(Zcn.lseek(r, 0, (int)Whence.SEEK_SET), Errno.ESPIPE, "lseek");
        }
        finally
        {
            Raw.Close(fd, r, w);
        }
    }

    [Test]
    public void Ftruncate_SetsTheSize()
    {
        string path = NewFile(Raw.Pattern(1000));
        int fd = Raw.OpenOk(path, OpenFlags.RDWR);
        try
        {
            Assert.That(Zcn.ftruncate(fd, 10), Is.Zero);
            Assert.That(Raw.Query(fd).size, Is.EqualTo(10));
            Assert.That(Zcn.ftruncate(fd, 1 << 20), Is.Zero);
            Assert.That(new FileInfo(path).Length, Is.EqualTo(1 << 20));
        }
        finally
        {
            Raw.Close(fd);
        }
    }

    [Test]
    public void Ftruncate_ToANegativeLength_IsEinval()
    {
        int fd = Raw.OpenOk(NewFile(), OpenFlags.RDWR);
        try
        {
            Raw.AssertErrno(Zcn.ftruncate(fd, -1), Errno.EINVAL, "ftruncate");
        }
        finally
        {
            Raw.Close(fd);
        }
    }

    [Test]
    public void Fsync_AndFdatasync_SucceedOnAWrittenFile()
    {
        int fd = Raw.OpenOk(NewFile(), OpenFlags.RDWR);
        try
        {
            Raw.WriteAll(fd, Raw.Pattern(4096));
            Assert.That(Zcn.fsync(fd, 0), Is.Zero);
            Assert.That(Zcn.fsync(fd, 1), Is.Zero);
        }
        finally
        {
            Raw.Close(fd);
        }
    }

    [Test]
    public void Fsync_OnAPipe_IsEinval()
    {
        (int r, int w) = Raw.Pipe();
        try
        {
            Raw.AssertErrno(Zcn.fsync(w, 0), Errno.EINVAL, "fsync");
        }
        finally
        {
            Raw.Close(r, w);
        }
    }

    [Test]
    public void Fadvise_OnAFile_Succeeds()
    {
        int fd = Raw.OpenOk(NewFile(Raw.Pattern(8192)), OpenFlags.RDONLY);
        try
        {
            Assert.That(Zcn.fadvise(fd, 0, 0, (int)FileAdvice.SEQUENTIAL), Is.Zero);
            Assert.That(Zcn.fadvise(fd, 0, 4096, (int)FileAdvice.DONTNEED), Is.Zero);
        }
        finally
        {
            Raw.Close(fd);
        }
    }

    [Test]
    public void Fadvise_OnAPipe_IsEspipe()
    {
        (int r, int w) = Raw.Pipe();
        try
        {
            Raw.AssertErrno(Zcn.fadvise(r, 0, 0, (int)FileAdvice.NORMAL), Errno.ESPIPE, "fadvise");
        }
        finally
        {
            Raw.Close(r, w);
        }
    }

    [Test]
    public void FdQuery_DescribesARegularFile()
    {
        string path = NewFile(Raw.Pattern(1234));
        int fd = Raw.OpenOk(path, OpenFlags.RDONLY | OpenFlags.APPEND);
        try
        {
            FdInfo info = Raw.Query(fd);
            var stat = new FileInfo(path);
            Assert.That(info.kind, Is.EqualTo((int)FdKind.REGULAR));
            Assert.That(info.size, Is.EqualTo(1234));
            Assert.That(info.block_size, Is.GreaterThan(0));
            Assert.That(info.inode, Is.Not.Zero);
            Assert.That(info.descriptor_flags, Is.EqualTo((uint)FdFlags.CLOEXEC)); // zcn_open adds O_CLOEXEC
            Assert.That(info.status_flags & (int)OpenFlags.APPEND, Is.Not.Zero);
            Assert.That((UnixFileMode)(info.mode & 0x1ff), Is.EqualTo(File.GetUnixFileMode(path)));
            Assert.That(stat.Exists);
        }
        finally
        {
            Raw.Close(fd);
        }
    }

    [Test]
    public void FdQuery_OfAClosedDescriptor_IsEbadfAndZeroesTheOutput()
    {
        FdInfo info = new() { kind = 99, size = 99 };
        Raw.AssertErrno(Zcn.fd_query(Raw.BadFd, &info), Errno.EBADF, "fd_query");
        Assert.That(info.kind, Is.Zero);
        Assert.That(info.size, Is.Zero);
    }

    [Test]
    public void DioAlignment_OfAFile_IsAPowerOfTwoWithItsSource()
    {
        int fd = Raw.OpenOk(NewFile(Raw.Pattern(4096)), OpenFlags.RDONLY);
        try
        {
            DioInfo info;
            int result = Zcn.dio_alignment(fd, &info);

            Assert.That(result, Is.Zero, Raw.NameOf(result));
            Assert.That(info.mem_align, Is.GreaterThan(0u));
            Assert.That(info.mem_align & (info.mem_align - 1), Is.Zero, "mem_align is a power of two");
            Assert.That(info.offset_align, Is.GreaterThan(0u));
            Assert.That(info.offset_align & (info.offset_align - 1), Is.Zero, "offset_align is a power of two");
            Assert.That(info.source,
                Is.AnyOf((int)DioSource.STATX, (int)DioSource.BLOCK_DEVICE, (int)DioSource.BLKSIZE));
            Assert.That(info.reserved, Is.Zero);
        }
        finally
        {
            Raw.Close(fd);
        }
    }

    [Test]
    public void DioAlignment_OfAClosedDescriptor_IsEbadf()
    {
        DioInfo info;
        Raw.AssertErrno(Zcn.dio_alignment(Raw.BadFd, &info), Errno.EBADF, "dio_alignment");
    }

    [Test]
    public void MemfdCreate_GivesAnInMemoryFile()
    {
        byte[] name = Encoding.UTF8.GetBytes("zcn-raw-test\0");
        int fd;
        fixed (byte* p = name)
        {
            fd = Zcn.memfd_create((sbyte*)p, (uint)MemFdFlags.NONE);
        }

        try
        {
            Assert.That(fd, Is.GreaterThanOrEqualTo(0), Raw.NameOf(fd));
            Raw.WriteAll(fd, Raw.Pattern(100));
            FdInfo info = Raw.Query(fd);
            Assert.That(info.kind, Is.EqualTo((int)FdKind.REGULAR));
            Assert.That(info.size, Is.EqualTo(100));
            // Without MFD_ALLOW_SEALING the file is born sealed against further seals.
            Assert.That(Zcn.memfd_get_seals(fd), Is.EqualTo((int)MemFdSeals.SEAL));
            Raw.AssertErrno(Zcn.memfd_add_seals(fd, (int)MemFdSeals.GROW), Errno.EPERM, "memfd_add_seals");
        }
        finally
        {
            Raw.Close(fd);
        }
    }

    [Test]
    public void MemfdCreate_WithATooLongNameOrUnknownFlag_IsEinval()
    {
        byte[] longName = Encoding.UTF8.GetBytes(new string('n', 300) + "\0");
        byte[] name = Encoding.UTF8.GetBytes("x\0");
        fixed (byte* p = longName)
        {
            Raw.AssertErrno(Zcn.memfd_create((sbyte*)p, 0), Errno.EINVAL, "memfd_create(long name)");
        }

        fixed (byte* p = name)
        {
            Raw.AssertErrno(Zcn.memfd_create((sbyte*)p, 0x1000), Errno.EINVAL, "memfd_create(unknown flag)");
        }

        Raw.AssertErrno(Zcn.memfd_create(null, 0), Errno.EFAULT, "memfd_create(NULL)");
    }

    [Test]
    public void MemfdSeals_ShrinkSealRefusesTruncation()
    {
        byte[] name = Encoding.UTF8.GetBytes("zcn-sealed\0");
        int fd;
        fixed (byte* p = name)
        {
            fd = (int)Raw.AssertOk(Zcn.memfd_create((sbyte*)p, (uint)MemFdFlags.ALLOW_SEALING), "memfd_create");
        }

        try
        {
            Assert.That(Zcn.memfd_get_seals(fd), Is.Zero);
            Assert.That(Zcn.ftruncate(fd, 4096), Is.Zero);
            Assert.That(Zcn.memfd_add_seals(fd, (int)MemFdSeals.SHRINK), Is.Zero);
            Assert.That(Zcn.memfd_get_seals(fd), Is.EqualTo((int)MemFdSeals.SHRINK));
            Raw.AssertErrno(Zcn.ftruncate(fd, 10), Errno.EPERM, "ftruncate of a shrink-sealed memfd");
            Assert.That(Zcn.ftruncate(fd, 8192), Is.Zero, "growing is still allowed");
        }
        finally
        {
            Raw.Close(fd);
        }
    }

    [Test]
    public void MemfdAddSeals_OnAPipe_IsEinval()
    {
        (int r, int w) = Raw.Pipe();
        try
        {
            Raw.AssertErrno(Zcn.memfd_add_seals(w, (int)MemFdSeals.SHRINK), Errno.EINVAL, "memfd_add_seals");
        }
        finally
        {
            Raw.Close(r, w);
        }
    }

    [Test]
    public void MemfdGetSeals_OfAClosedDescriptor_IsEbadf() =>
        Raw.AssertErrno(Zcn.memfd_get_seals(Raw.BadFd), Errno.EBADF, "memfd_get_seals");
}
