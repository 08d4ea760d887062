import pytest
from django.core.exceptions import ValidationError

from enterprises.registry.uscc import registering_division, uscc_problem, validate_uscc


def test_valid_uscc_is_accepted():
    assert uscc_problem("91110000600037341L") is None
    validate_uscc("91110000600037341L")


def test_wrong_check_character_is_rejected_with_the_reason():
    with pytest.raises(ValidationError) as excinfo:
        validate_uscc("91110000600037341X")
    message = excinfo.value.messages[0]
    assert "校验位错误" in message
    assert "应为“L”" in message and "收到“X”" in message


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("9111000060003734", "应为18位，收到16位"),
        ("91110000600037341I", "无效字符“I”"),
        ("9111A000600037341L", "第3至8位是登记管理机关的行政区划码，应为6位数字"),
    ],
)
def test_malformed_uscc_messages_name_the_problem(value, fragment):
    assert fragment in uscc_problem(value)


def test_lowercase_and_spaces_are_normalised():
    assert uscc_problem(" 91110000600037341l ") is None


def test_registering_division_is_characters_3_to_8():
    assert registering_division("91110000600037341L") == "110000"
