// Prints the widest vector width the JIT accelerates in this process and, given an expected width, fails when it
// differs. .ci/run prints it before the main test run (which tests whatever this machine has), and its narrower-path
// runs pass the width they mean, to prove their DOTNET_ setting really selects that path (a knob the runtime no
// longer reads, such as .NET 8's EnableAVX512F under .NET 10, changes nothing and fails silently).
//   dotnet run tools/ci/simd-width.cs            # widest accelerated vector: 512 bits
//   dotnet run tools/ci/simd-width.cs -- 256     # fails unless it is 256
using System.Runtime.Intrinsics;

int widest = Vector512.IsHardwareAccelerated ? 512
    : Vector256.IsHardwareAccelerated ? 256
    : Vector128.IsHardwareAccelerated ? 128
    : 0;
System.Console.WriteLine($"widest accelerated vector: {(widest == 0 ? "none (portable path)" : widest + " bits")}");
if (args.Length > 0 && args[0] != widest.ToString(System.Globalization.CultureInfo.InvariantCulture))
{
    System.Console.Error.WriteLine($"expected {args[0]}: this setting does not select the path it is meant to test");
    return 1;
}

return 0;
