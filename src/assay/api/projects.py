"""Native API: projects and their profiles."""

from __future__ import annotations

from fastapi import APIRouter

from assay.api.deps import CurrentKey, Db, RuntimeDep, require_project
from assay.api.schemas import ErrorResponse, ProfileCreate, ProfileRead, ProjectCreate, ProjectRead
from assay.errors import AuthenticationError
from assay.services import projects
from assay.store import write_transaction

router = APIRouter(tags=["Projects"], responses={401: {"model": ErrorResponse}, 404: {"model": ErrorResponse}})


@router.get("/api/v2/projects", response_model=list[ProjectRead])
def list_projects(db: Db, key: CurrentKey) -> list[dict[str, object]]:
    """The projects this key may reach."""
    return projects.list_projects(db, None if key.project_id is None else {key.project_id})


@router.post("/api/v2/projects", response_model=ProjectRead, status_code=201,
             responses={409: {"model": ErrorResponse}})
def create_project(body: ProjectCreate, runtime: RuntimeDep, key: CurrentKey) -> dict[str, object]:
    """Create a project (needs a key scoped to all projects)."""
    if key.project_id is not None:
        raise AuthenticationError("creating projects needs an API key for all projects")
    with write_transaction(runtime.engine) as connection:
        return projects.create_project(connection, body.key, body.name, body.description)


@router.get("/api/v2/projects/{project_key}", response_model=ProjectRead)
def read_project(db: Db, key: CurrentKey, project_key: str) -> dict[str, object]:
    project = projects.get_project(db, project_key)
    require_project(key, project["id"], f"project {project_key}")
    return project


@router.get("/api/v2/projects/{project_key}/profiles", response_model=list[ProfileRead])
def list_profiles(db: Db, key: CurrentKey, project_key: str) -> list[dict[str, object]]:
    project = projects.get_project(db, project_key)
    require_project(key, project["id"], f"project {project_key}")
    return projects.list_profiles(db, project["id"])


@router.post("/api/v2/projects/{project_key}/profiles", response_model=ProfileRead, status_code=201,
             responses={409: {"model": ErrorResponse}})
def create_profile(runtime: RuntimeDep, key: CurrentKey, project_key: str, body: ProfileCreate) -> dict[str, object]:
    with write_transaction(runtime.engine) as connection:
        project = projects.get_project(connection, project_key)
        require_project(key, project["id"], f"project {project_key}")
        return projects.create_profile(connection, project["id"], body.name)


@router.get("/api/v2/profile/{profile_id}", response_model=ProfileRead)
def read_profile(db: Db, key: CurrentKey, profile_id: int) -> dict[str, object]:
    profile = projects.get_profile(db, profile_id)
    require_project(key, profile["project_id"], f"profile {profile_id}")
    return profile
