using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using System.Reflection;
using NUnit.Framework;
using ZeroCopyNative.Interop;

namespace ZeroCopyNative.Tests.Plumbing;

/// <summary>
/// The safe layer (namespace ZeroCopyNative) speaks .NET: no public or protected member takes or returns a generated
/// type from ZeroCopyNative.Interop, whose C-style names (MADV_* as DONTNEED) belong to the raw layer.
/// </summary>
public sealed class SafeLayerSignatureTests
{
    private static readonly HashSet<Type> s_allowed = new()
    {
        // The kernel's own number, as ZeroCopyException.Errno: its names (EAGAIN) are what man pages and strace say.
        typeof(Errno),
    };

    [Test]
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "NativeAot.Roots.xml keeps the ZeroCopyNative assembly whole.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "NativeAot.Roots.xml keeps the ZeroCopyNative assembly whole.")]
    public void NoPublicSignatureUsesAGeneratedType()
    {
        var offending = new List<string>();
        foreach (Type type in typeof(ZeroCopyException).Assembly.GetExportedTypes().Where(t => t.Namespace == "ZeroCopyNative"))
        {
            const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance |
                                     BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (MemberInfo member in type.GetMembers(All).Where(IsVisible))
            {
                foreach (Type used in SignatureOf(member).SelectMany(Unwrap))
                {
                    if (used.Namespace == "ZeroCopyNative.Interop" && !s_allowed.Contains(used))
                    {
                        offending.Add($"{type.Name}.{member.Name}: {used.Name}");
                    }
                }
            }
        }

        Assert.That(offending, Is.Empty, string.Join("\n", offending));
    }

    private static bool IsVisible(MemberInfo member) => member switch
    {
        MethodBase m => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly,
        FieldInfo f => f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly,
        PropertyInfo p => p.GetAccessors(nonPublic: true).Any(IsVisible),
        EventInfo e => e.AddMethod is { } add && IsVisible(add),
        Type t => t.IsNestedPublic || t.IsNestedFamily || t.IsNestedFamORAssem,
        _ => false,
    };

    private static IEnumerable<Type> SignatureOf(MemberInfo member) => member switch
    {
        MethodInfo m => m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType),
        ConstructorInfo c => c.GetParameters().Select(p => p.ParameterType),
        PropertyInfo p => p.GetIndexParameters().Select(i => i.ParameterType).Append(p.PropertyType),
        FieldInfo f => new[] { f.FieldType },
        EventInfo e => new[] { e.EventHandlerType! },
        _ => Array.Empty<Type>(),
    };

    private static IEnumerable<Type> Unwrap(Type type)
    {
        if (type.HasElementType)
        {
            return Unwrap(type.GetElementType()!);
        }

        return type.IsGenericType ? type.GetGenericArguments().SelectMany(Unwrap).Prepend(type) : new[] { type };
    }
}
