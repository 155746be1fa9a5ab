using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Lanes.Tests;

public class LaneTests
{
    [Theory]
    [InlineData("gray")]
    [InlineData("g1")]
    [InlineData("canary-v2.1_x")]
    [InlineData("a")]
    public void Parse_ValidName_KeepsName(string name)
    {
        var lane = Lane.Parse(name);

        Assert.Equal(name, lane.Name);
        Assert.False(lane.IsBase);
        Assert.Equal(name, lane.ToString());
    }

    [Fact]
    public void Parse_BaseLiteral_IsBase()
    {
        Assert.True(Lane.Parse("base").IsBase);
        Assert.Equal(Lane.Base, Lane.Parse("base"));
        Assert.Equal("base", Lane.Base.ToString());
        Assert.True(default(Lane).IsBase);
    }

    [Theory]
    [InlineData("", LaneError.Empty)]
    [InlineData("Gray", LaneError.InvalidCharacter)]
    [InlineData("gray lane", LaneError.InvalidCharacter)]
    [InlineData("gray\r\nx-evil: 1", LaneError.InvalidCharacter)]
    [InlineData("gräy", LaneError.InvalidCharacter)]
    [InlineData("gray/1", LaneError.InvalidCharacter)]
    public void Validate_InvalidName_SaysWhy(string name, LaneError expected)
    {
        Assert.Equal(expected, Lane.Validate(name));
        Assert.False(Lane.TryParse(name, out var lane));
        Assert.True(lane.IsBase);
        var error = Assert.Throws<FormatException>(() => Lane.Parse(name));
        Assert.Contains(Lane.DescribeError(expected), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_LengthLimit_Is63()
    {
        Assert.Equal(LaneError.None, Lane.Validate(new string('a', 63)));
        Assert.Equal(LaneError.TooLong, Lane.Validate(new string('a', 64)));
    }

    [Fact]
    public void Parse_ErrorMessage_DoesNotEchoLineBreaksOrHugeInput()
    {
        var error = Assert.Throws<FormatException>(() => Lane.Parse("x\n" + new string('y', 10_000)));

        Assert.DoesNotContain('\n', error.Message);
        Assert.True(error.Message.Length < 300);
    }

    [Fact]
    public void Equality_IsByName()
    {
        Assert.Equal(Lane.Parse("gray"), Lane.Parse(new string("gray".ToCharArray())));
        Assert.NotEqual(Lane.Parse("gray"), Lane.Parse("blue"));
        Assert.True(Lane.Parse("gray") == Lane.Parse("gray"));
        Assert.Equal(Lane.Parse("gray").GetHashCode(), Lane.Parse("gray").GetHashCode());
    }

    [Property(MaxTest = 500)]
    public Property TryParse_AcceptsExactlyTheLaneAlphabet(NonNull<string> input)
    {
        var value = input.Get;
        var expected = value.Length is > 0 and <= Lane.MaxLength && value.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '.' or '_');

        var parsed = Lane.TryParse(value, out var lane);

        return (parsed == expected && (!parsed || value == "base" ? lane.IsBase : lane.Name == value)).ToProperty();
    }

    [Property(MaxTest = 500)]
    public Property TryParse_SpanAndStringAgree(NonNull<string> input)
    {
        var fromString = Lane.TryParse(input.Get, out var a);
        var fromSpan = Lane.TryParse(input.Get.AsSpan(), out var b);

        return (fromString == fromSpan && a == b).ToProperty();
    }

    [Property(MaxTest = 300)]
    public Property ToString_RoundTrips()
    {
        var names = Gen.Elements("abcdefghijklmnopqrstuvwxyz0123456789-._".ToCharArray())
            .ArrayOf().Where(a => a.Length is > 0 and <= Lane.MaxLength)
            .Select(a => new string(a));
        return Prop.ForAll(names.ToArbitrary(), name => Lane.Parse(Lane.Parse(name).ToString()) == Lane.Parse(name));
    }
}
