using FsCheck;
using FsCheck.Xunit;
using Lanes.RolloutController.Analysis;

namespace Lanes.RolloutController.Tests.Analysis;

public sealed class AnalysisConditionTests
{
    [Theory]
    [InlineData("result < 0.05", 0.01, true)]
    [InlineData("result[0] < 0.05", 0.2, false)]
    [InlineData("result[0] >= 0.2 && result[0] <= 0.3", 0.2, true)]
    [InlineData("result > 1 || result == 0", 0, true)]
    [InlineData("!(result != 2)", 2, true)]
    [InlineData("isNaN(result)", double.NaN, true)]
    [InlineData("result <= -1e-3", -0.5, true)]
    [InlineData("true && false", 0, false)]
    public void Evaluates(string text, double value, bool expected)
    {
        Assert.True(AnalysisCondition.TryParse(text, out var condition, out var error), error);
        Assert.True(condition!.TryEvaluate([value], out var actual, out _));
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("result <", "expected a number, result or result[i] at position 8")]
    [InlineData("result", "expected a comparison (<, <=, >, >=, ==, !=) at position 6")]
    [InlineData("result < 0.05 &&", "expected a number, result or result[i] at position 16")]
    [InlineData("(result < 1", "expected ')' at position 11")]
    [InlineData("result[x] < 1", "expected an index of at most 4 digits at position 7")]
    [InlineData("result < 1 foo", "unexpected 'f' at position 11")]
    [InlineData("System.Exit(1)", "expected a number, result or result[i] at position 0")]
    public void Rejects_NamingThePosition(string text, string expected)
    {
        Assert.False(AnalysisCondition.TryParse(text, out var condition, out var error));
        Assert.Null(condition);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void MissingIndex_IsAnEvaluationError()
    {
        Assert.True(AnalysisCondition.TryParse("result[1] < 1", out var condition, out _));
        Assert.False(condition!.TryEvaluate([0.5], out _, out var error));
        Assert.Equal("result[1] does not exist: the query returned 1 value(s)", error);
    }

    [Property(MaxTest = 2000)]
    public bool AnyString_ParsesOrNamesWhy(string text)
    {
        var parsed = AnalysisCondition.TryParse(text, out var condition, out var error);
        return parsed ? condition is not null && error is null : condition is null && !string.IsNullOrEmpty(error);
    }

    [Property(MaxTest = 1000)]
    public bool TokenSoup_ParsesOrNamesThePosition(NonEmptyArray<byte> picks)
    {
        string[] tokens = ["result", "result[0]", "<", "<=", "==", "!=", ">", "&&", "||", "!", "(", ")", "0.05", "-", "isNaN(", "true", " ", "[", "]"];
        var text = string.Concat(picks.Get.Select(p => tokens[p % tokens.Length]));
        var parsed = AnalysisCondition.TryParse(text, out var condition, out var error);
        if (parsed)
        {
            return condition!.TryEvaluate([0.1], out _, out _) || true;
        }

        return error is not null && (error.Contains("position", StringComparison.Ordinal) || error is "is empty" or "unexpected end" || error.StartsWith("is longer", StringComparison.Ordinal));
    }
}
