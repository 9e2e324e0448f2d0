using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Interop;

/// <summary>Helpers for the raw binding tests: descriptors through libzcn itself, temporary files, errno checks.
/// </summary>
internal static unsafe class Raw
{
    /// <summary>A descriptor number that is never open.</summary>
    public const int BadFd = -1;

    public static long Err(Errno errno) => -(long)errno;

    /// <summary>Asserts that a libzcn result is the given -errno, naming both in the failure.</summary>
    public static void AssertErrno(long result, Errno expected, string call)
    {
        Assert.That(result, Is.EqualTo(Err(expected)),
            $"{call} should fail with -{expected} ({-(long)expected}), returned {result} ({NameOf(result)})");
    }

    /// <summary>Asserts that a libzcn result is not -errno.</summary>
    public static long AssertOk(long result, string call)
    {
        Assert.That(result, Is.GreaterThanOrEqualTo(0), $"{call} failed: {result} ({NameOf(result)})");
        return result;
    }

    public static string NameOf(long result)
    {
        if (result >= 0)
        {
            return "success";
        }

        sbyte* name = Zcn.errno_name((int)result);
        return name == null ? "unknown" : Marshal.PtrToStringUTF8((IntPtr)name)!;
    }

    public static int Open(string path, OpenFlags flags, uint mode = 0)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            return Zcn.open((sbyte*)p, (int)flags, mode);
        }
    }

    public static int OpenOk(string path, OpenFlags flags, uint mode = 0) =>
        (int)AssertOk(Open(path, flags, mode), $"open({path})");

    public static (int Read, int Write) Pipe(PipeFlags flags = PipeFlags.NONE)
    {
        int* fds = stackalloc int[2];
        AssertOk(Zcn.pipe(fds, (uint)flags), "pipe");
        return (fds[0], fds[1]);
    }

    public static void Close(params int[] fds)
    {
        foreach (int fd in fds)
        {
            if (fd >= 0)
            {
                Zcn.close(fd);
            }
        }
    }

    public static byte[] Pattern(int length, int seed = 7)
    {
        var data = new byte[length];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (byte)((i * 31) + seed);
        }

        return data;
    }

    public static long Write(int fd, byte[] data)
    {
        fixed (byte* p = data)
        {
            return Zcn.write(fd, p, (ulong)data.Length);
        }
    }

    public static void WriteAll(int fd, byte[] data) =>
        Assert.That(Write(fd, data), Is.EqualTo(data.Length), "write");

    /// <summary>Reads exactly <paramref name="count"/> bytes (a bounded number of reads).</summary>
    public static byte[] ReadExactly(int fd, int count)
    {
        var buffer = new byte[count];
        int done = 0;
        for (int attempt = 0; attempt < 1000 && done < count; attempt++)
        {
            fixed (byte* p = &buffer[done])
            {
                long n = Zcn.read(fd, p, (ulong)(count - done));
                AssertOk(n, "read");
                if (n == 0)
                {
                    break;
                }

                done += (int)n;
            }
        }

        Assert.That(done, Is.EqualTo(count), "bytes read");
        return buffer;
    }

    public static FdInfo Query(int fd)
    {
        FdInfo info;
        AssertOk(Zcn.fd_query(fd, &info), "fd_query");
        return info;
    }
}

/// <summary>A temporary directory per test fixture, removed afterwards.</summary>
public abstract class RawBindingFixture
{
    protected string Directory { get; private set; } = string.Empty;

    [OneTimeSetUp]
    public void CreateDirectory()
    {
        Directory = Path.Combine(Path.GetTempPath(), "zcn-raw-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    [OneTimeTearDown]
    public void DeleteDirectory()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    protected string NewFile(byte[]? contents = null)
    {
        string path = Path.Combine(Directory, Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(path, contents ?? Array.Empty<byte>());
        return path;
    }
}
