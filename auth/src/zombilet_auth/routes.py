"""/api/users: thin handlers over AuthService."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from zombilet_auth.schemas import (
    CurrentUserPublic,
    ForgotPasswordBody,
    SigninBody,
    SignupBody,
    UserPublic,
    token_query_errors,
    validate_reset,
)
from zombilet_auth.service import AuthService
from zombilet_auth.settings import Settings
from zombilet_common.auth import (
    OptionalUser,
    SessionUser,
    clear_session_cookie,
    issue_token,
    set_session_cookie,
)
from zombilet_common.body import JsonBody, JsonObject
from zombilet_common.errors import ValidationFailed

router = APIRouter(prefix="/api/users")


async def auth_service(request: Request) -> AuthService:
    service: AuthService = request.app.state.auth
    return service


async def auth_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


Auth = Annotated[AuthService, Depends(auth_service)]
Config = Annotated[Settings, Depends(auth_settings)]


def _signed_in(response: Response, user: SessionUser, settings: Settings) -> UserPublic:
    token = issue_token(user, settings.jwt_key, settings.jwt_ttl_seconds)
    set_session_cookie(response, token, settings.jwt_ttl_seconds, settings.cookie_secure)
    return UserPublic(id=user.id, email=user.email)


@router.post("/signup", status_code=status.HTTP_201_CREATED)
async def create_user(
    body: Annotated[SignupBody, JsonBody(SignupBody)],
    response: Response,
    auth: Auth,
    settings: Config,
) -> UserPublic:
    """Create an account and sign it in."""
    user = await auth.sign_up(body.email, body.password)
    return _signed_in(response, SessionUser(id=user.id, email=user.email), settings)


@router.post("/signin")
async def create_session(
    body: Annotated[SigninBody, JsonBody(SigninBody)],
    response: Response,
    auth: Auth,
    settings: Config,
) -> UserPublic:
    """Sign in with e-mail and password."""
    user = await auth.sign_in(body.email, body.password)
    return _signed_in(response, SessionUser(id=user.id, email=user.email), settings)


@router.post("/signout")
async def delete_session(settings: Config) -> Response:
    """Remove the browser's session cookie; the body is never read."""
    response = Response(content=b"{}", media_type="application/json")
    clear_session_cookie(response, settings.cookie_secure)
    return response


@router.get("/currentuser")
async def show_current_user(user: OptionalUser) -> CurrentUserPublic:
    """Who the session cookie names, from the verified token alone."""
    public = UserPublic(id=user.id, email=user.email) if user else None
    return CurrentUserPublic(current_user=public)


@router.post("/forgot-password")
async def create_reset_token(
    body: Annotated[ForgotPasswordBody, JsonBody(ForgotPasswordBody)], auth: Auth
) -> Response:
    """Mail a reset link to a known address; unknown addresses get the same answer."""
    await auth.forgot_password(body.email)
    return Response(status_code=status.HTTP_200_OK)


@router.post("/validate-token")
async def check_reset_token(request: Request, auth: Auth) -> Response:
    """Whether a reset token is usable; it is not consumed."""
    token, type_ = request.query_params.get("token"), request.query_params.get("type")
    errors = token_query_errors(token, type_)
    if errors:
        raise ValidationFailed(errors)
    await auth.validate_token(token or "", type_ or "")
    return Response(status_code=status.HTTP_200_OK)


@router.post("/reset-password")
async def reset_password(
    request: Request, data: JsonObject, auth: Auth, settings: Config
) -> Response:
    """Set a new password with a reset token, then sign the browser out."""
    token, type_ = request.query_params.get("token"), request.query_params.get("type")
    body = validate_reset(token, type_, data)
    await auth.reset_password(token or "", type_ or "", body.new_password)
    response = Response(status_code=status.HTTP_200_OK)
    clear_session_cookie(response, settings.cookie_secure)
    return response
