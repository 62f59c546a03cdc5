"""Sign up, sign in (with next), sign out, forgot and reset password."""

import httpx
import pytest

CLEARING = "session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
ISSUED = "session=new-jwt; Path=/; HttpOnly; SameSite=Lax; Max-Age=86400"


def signed(status: int, cookie: str = ISSUED) -> httpx.Response:
    return httpx.Response(
        status, json={"id": "a" * 24, "email": "me@example.com"}, headers={"Set-Cookie": cookie}
    )


@pytest.mark.parametrize(
    ("path", "heading", "button"),
    [
        ("/auth/signup", "Sign Up", "Sign Up"),
        ("/auth/signin", "Sign In", "Sign In"),
        ("/auth/forgot-password", "Forgot Password", "Send Reset Link"),
    ],
)
async def test_each_form_has_its_heading_labels_and_button(site, path, heading, button) -> None:
    page = await site.get(path)

    assert page.status_code == 200
    assert f"<h1>{heading}</h1>" in page.text
    assert '<label class="form-label" for="email">E-mail Address</label>' in page.text
    assert f'type="submit">{button}</button>' in page.text
    assert "Ooops..." not in page.text


async def test_signup_relays_the_session_cookie_and_goes_home(site, api) -> None:
    api.on("POST", "/api/users/signup", signed(201))

    answer = await site.post(
        "/auth/signup", data={"email": "me@example.com", "password": "password1"}
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == "/"
    assert answer.headers.get_list("set-cookie") == [ISSUED]
    assert api.body("POST", "/api/users/signup") == {
        "email": "me@example.com",
        "password": "password1",
    }


async def test_signup_errors_list_every_message_and_keep_the_email_not_the_password(
    site, api, data
) -> None:
    api.on(
        "POST",
        "/api/users/signup",
        data.errors("E-mail must be valid.", "Password must be between 8 and 20 characters."),
    )

    page = await site.post("/auth/signup", data={"email": "me@nowhere", "password": "short-pw"})

    assert page.status_code == 400
    assert "Ooops..." in page.text
    assert "<li>E-mail must be valid.</li>" in page.text
    assert "<li>Password must be between 8 and 20 characters.</li>" in page.text
    assert 'value="me@nowhere"' in page.text
    assert "short-pw" not in page.text
    assert "set-cookie" not in page.headers


async def test_signin_returns_to_a_local_next(site, api) -> None:
    api.on("POST", "/api/users/signin", signed(200))
    form = await site.get("/auth/signin?next=/orders")
    assert '<input type="hidden" name="next" value="/orders">' in form.text

    answer = await site.post(
        "/auth/signin", data={"email": "me@example.com", "password": "x", "next": "/orders"}
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == "/orders"
    assert answer.headers.get_list("set-cookie") == [ISSUED]


@pytest.mark.parametrize(
    "next_path", ["https://evil.example/", "//evil.example/", "/\\evil.example", "/\t/evil", ""]
)
async def test_signin_never_sends_anyone_off_the_site(site, api, next_path) -> None:
    api.on("POST", "/api/users/signin", signed(200))

    answer = await site.post(
        "/auth/signin", data={"email": "me@example.com", "password": "x", "next": next_path}
    )

    assert answer.headers["location"] == "/"


async def test_failed_signin_keeps_email_and_next(site, api, data) -> None:
    api.on("POST", "/api/users/signin", data.errors("Invalid Credentials!"))

    page = await site.post(
        "/auth/signin", data={"email": "me@example.com", "password": "secret-x", "next": "/orders"}
    )

    assert page.status_code == 400
    assert "<li>Invalid Credentials!</li>" in page.text
    assert 'value="me@example.com"' in page.text
    assert 'name="next" value="/orders"' in page.text
    assert "secret-x" not in page.text


async def test_signin_after_a_reset_says_the_password_changed(site) -> None:
    page = await site.get("/auth/signin?reset=done")

    assert "Your password has been changed. Please sign in." in page.text
    assert '<a href="/auth/forgot-password">Forgot your password?</a>' in page.text


async def test_signout_relays_the_clearing_cookie_and_goes_home(member, api) -> None:
    api.on(
        "POST", "/api/users/signout", httpx.Response(200, json={}, headers={"Set-Cookie": CLEARING})
    )

    answer = await member.get("/auth/signout")

    assert answer.status_code == 303
    assert answer.headers["location"] == "/"
    assert answer.headers.get_list("set-cookie") == [CLEARING]


async def test_forgot_password_says_a_link_is_on_its_way(site, api) -> None:
    api.on("POST", "/api/users/forgot-password", httpx.Response(200))

    answer = await site.post("/auth/forgot-password", data={"email": "me@example.com"})
    page = await site.get(answer.headers["location"])

    assert answer.status_code == 303
    assert api.body("POST", "/api/users/forgot-password") == {"email": "me@example.com"}
    assert (
        "If an account exists for that address, a link to reset its password is on its way."
        in page.text
    )


async def test_forgot_password_errors_keep_the_email(site, api, data) -> None:
    api.on("POST", "/api/users/forgot-password", data.errors("E-mail must be valid."))

    page = await site.post("/auth/forgot-password", data={"email": "nope"})

    assert page.status_code == 400
    assert "<li>E-mail must be valid.</li>" in page.text
    assert 'value="nope"' in page.text


async def test_a_valid_reset_link_shows_the_form_with_token_and_type(site, api) -> None:
    api.on("POST", "/api/users/validate-token", httpx.Response(200))

    page = await site.get("/auth/reset-password?token=abc123&type=forgot-password")

    sent = api.sent("POST", "/api/users/validate-token")[0]
    assert sent.url.params["token"] == "abc123"
    assert sent.url.params["type"] == "forgot-password"
    assert "<h1>Reset Password</h1>" in page.text
    assert '<input type="hidden" name="token" value="abc123">' in page.text
    assert '<input type="hidden" name="type" value="forgot-password">' in page.text
    assert 'for="newPassword">New Password</label>' in page.text
    assert 'for="repeatedNewPassword">Repeat New Password</label>' in page.text
    assert 'type="submit">Change Password</button>' in page.text


async def test_an_expired_reset_link_says_so_and_links_to_forgot_password(site, api, data) -> None:
    api.on("POST", "/api/users/validate-token", data.errors("Token has expired.", status=401))

    page = await site.get("/auth/reset-password?token=old&type=forgot-password")

    assert page.status_code == 401
    assert "<li>Token has expired.</li>" in page.text
    assert "This reset link is invalid or has expired." in page.text
    assert 'href="/auth/forgot-password"' in page.text
    assert "Change Password" not in page.text


async def test_resetting_relays_the_clearing_cookie_and_goes_to_sign_in(site, api) -> None:
    api.on(
        "POST", "/api/users/reset-password", httpx.Response(200, headers={"Set-Cookie": CLEARING})
    )

    answer = await site.post(
        "/auth/reset-password",
        data={
            "token": "abc",
            "type": "forgot-password",
            "newPassword": "newpass12",
            "repeatedNewPassword": "newpass12",
        },
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == "/auth/signin?reset=done"
    assert answer.headers.get_list("set-cookie") == [CLEARING]
    sent = api.sent("POST", "/api/users/reset-password")[0]
    assert sent.url.params["token"] == "abc"
    assert api.body("POST", "/api/users/reset-password") == {
        "newPassword": "newpass12",
        "repeatedNewPassword": "newpass12",
    }


async def test_reset_errors_keep_the_link_and_never_the_passwords(site, api, data) -> None:
    api.on("POST", "/api/users/reset-password", data.errors("Passwords must match."))

    page = await site.post(
        "/auth/reset-password",
        data={
            "token": "abc",
            "type": "forgot-password",
            "newPassword": "newpass12",
            "repeatedNewPassword": "other-pw",
        },
    )

    assert page.status_code == 400
    assert "<li>Passwords must match.</li>" in page.text
    assert '<input type="hidden" name="token" value="abc">' in page.text
    assert "newpass12" not in page.text
    assert "other-pw" not in page.text


async def test_a_used_reset_link_shows_the_invalid_link_state(site, api, data) -> None:
    api.on("POST", "/api/users/reset-password", data.errors("Not Found", status=404))

    page = await site.post(
        "/auth/reset-password",
        data={
            "token": "used",
            "type": "forgot-password",
            "newPassword": "a",
            "repeatedNewPassword": "a",
        },
    )

    assert page.status_code == 404
    assert "This reset link is invalid or has expired." in page.text
