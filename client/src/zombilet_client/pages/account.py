"""Sign up, sign in, sign out, forgot password, reset password (SPEC 11.2)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from zombilet_client.forms import form_fields
from zombilet_client.rendering import redirect, render
from zombilet_client.visitor import Visitor, safe_next, visitor

router = APIRouter(prefix="/auth")
CurrentVisitor = Annotated[Visitor, Depends(visitor)]

INVALID_LINK = "This reset link is invalid or has expired."
LINK_SENT = "If an account exists for that address, a link to reset its password is on its way."
PASSWORD_CHANGED = "Your password has been changed. Please sign in."


@router.get("/signup")
async def signup_page(request: Request, you: CurrentVisitor) -> Response:
    return render(request, you, "signup.html")


@router.post("/signup")
async def signup(request: Request, you: CurrentVisitor) -> Response:
    fields = await form_fields(request)
    email = fields.get("email", "")
    answer = await you.api.post(
        "/api/users/signup", {"email": email, "password": fields.get("password", "")}
    )
    if not answer.ok:
        return render(
            request,
            you,
            "signup.html",
            status=answer.page_status,
            errors=answer.messages,
            email=email,
        )
    you.set_cookies.extend(answer.set_cookies)
    return redirect(you, "/")


@router.get("/signin")
async def signin_page(request: Request, you: CurrentVisitor) -> Response:
    return render(
        request,
        you,
        "signin.html",
        next=safe_next(request.query_params.get("next")),
        note=PASSWORD_CHANGED if request.query_params.get("reset") == "done" else None,
    )


@router.post("/signin")
async def signin(request: Request, you: CurrentVisitor) -> Response:
    fields = await form_fields(request)
    email, next_path = fields.get("email", ""), safe_next(fields.get("next"))
    answer = await you.api.post(
        "/api/users/signin", {"email": email, "password": fields.get("password", "")}
    )
    if not answer.ok:
        return render(
            request,
            you,
            "signin.html",
            status=answer.page_status,
            errors=answer.messages,
            email=email,
            next=next_path,
        )
    you.set_cookies.extend(answer.set_cookies)
    return redirect(you, next_path)


@router.get("/signout")
@router.post("/signout")
async def signout(request: Request, you: CurrentVisitor) -> Response:
    answer = await you.api.post("/api/users/signout")
    if not answer.ok:
        return render(request, you, "error.html", status=answer.page_status, errors=answer.messages)
    you.set_cookies.extend(answer.set_cookies)
    you.user = None
    return redirect(you, "/")


@router.get("/forgot-password")
async def forgot_password_page(request: Request, you: CurrentVisitor) -> Response:
    sent = request.query_params.get("sent") == "1"
    return render(request, you, "forgot_password.html", note=LINK_SENT if sent else None)


@router.post("/forgot-password")
async def forgot_password(request: Request, you: CurrentVisitor) -> Response:
    email = (await form_fields(request)).get("email", "")
    answer = await you.api.post("/api/users/forgot-password", {"email": email})
    if not answer.ok:
        return render(
            request,
            you,
            "forgot_password.html",
            status=answer.page_status,
            errors=answer.messages,
            email=email,
        )
    return redirect(you, "/auth/forgot-password?sent=1")


@router.get("/reset-password")
async def reset_password_page(request: Request, you: CurrentVisitor) -> Response:
    token = request.query_params.get("token", "")
    kind = request.query_params.get("type", "")
    answer = await you.api.post("/api/users/validate-token", params={"token": token, "type": kind})
    if not answer.ok:
        return _invalid_link(request, you, answer.page_status, answer.messages)
    return render(request, you, "reset_password.html", token=token, type=kind)


@router.post("/reset-password")
async def reset_password(request: Request, you: CurrentVisitor) -> Response:
    fields = await form_fields(request)
    token, kind = fields.get("token", ""), fields.get("type", "")
    answer = await you.api.post(
        "/api/users/reset-password",
        {
            "newPassword": fields.get("newPassword", ""),
            "repeatedNewPassword": fields.get("repeatedNewPassword", ""),
        },
        params={"token": token, "type": kind},
    )
    if answer.ok:
        you.set_cookies.extend(answer.set_cookies)
        return redirect(you, "/auth/signin?reset=done")
    if answer.status in (401, 404):
        return _invalid_link(request, you, answer.status, answer.messages)
    return render(
        request,
        you,
        "reset_password.html",
        status=answer.page_status,
        errors=answer.messages,
        token=token,
        type=kind,
    )


def _invalid_link(request: Request, you: Visitor, status: int, messages: list[str]) -> Response:
    return render(
        request, you, "reset_password.html", status=status, errors=messages, invalid=INVALID_LINK
    )
