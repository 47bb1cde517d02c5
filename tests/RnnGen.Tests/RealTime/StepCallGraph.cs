using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.InteropServices;

namespace RnnGen.Tests.RealTime;

/// <summary>
/// Every method a method can call, read from the IL: RnnGen's runtime and the generated code are followed, with their
/// generic arguments; a call out of them (to the framework) is recorded and not followed. Method bodies that only
/// throw (<c>[DoesNotReturn]</c>) are not followed either: they are the error paths, not the step.
/// </summary>
internal static class StepCallGraph
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>The methods reached inside <paramref name="ours"/>, and the framework methods they call.</summary>
    public static (IReadOnlyCollection<MethodBase> Followed, IReadOnlyCollection<MethodBase> Outside) Walk(MethodBase root, params Assembly[] ours)
    {
        var followed = new HashSet<MethodBase>();
        var outside = new HashSet<MethodBase>();
        var pending = new Stack<MethodBase>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            MethodBase method = pending.Pop();
            if (!followed.Add(method))
            {
                continue;
            }

            foreach (MethodBase callee in Callees(method))
            {
                if (!ours.Contains(callee.Module.Assembly))
                {
                    outside.Add(callee);
                }
                else if (!callee.IsDefined(typeof(System.Diagnostics.CodeAnalysis.DoesNotReturnAttribute)))
                {
                    pending.Push(callee);
                }
            }
        }

        return (followed, outside);
    }

    /// <summary>True for a method whose body is native code reached through the operating system's loader.</summary>
    public static bool IsPlatformInvoke(MethodBase method) =>
        (method.Attributes & MethodAttributes.PinvokeImpl) != 0 || method.IsDefined(typeof(DllImportAttribute)) || method.IsDefined(typeof(LibraryImportAttribute));

    private static IEnumerable<MethodBase> Callees(MethodBase method)
    {
        byte[]? il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        Type[] typeArguments = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : Type.EmptyTypes;
        Type[] methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : Type.EmptyTypes;
        int at = 0;
        while (at < il.Length)
        {
            short value = il[at] == 0xFE ? (short)(0xFE00 | il[at + 1]) : il[at];
            at += il[at] == 0xFE ? 2 : 1;
            OpCode op = OpCodesByValue[value];
            if (op.OperandType == OperandType.InlineMethod)
            {
                MethodBase? callee = method.Module.ResolveMethod(BitConverter.ToInt32(il, at), typeArguments, methodArguments);
                if (callee is not null)
                {
                    yield return callee;
                }
            }

            at += op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, at),
                _ => 4,
            };
        }
    }
}
